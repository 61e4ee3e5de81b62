"""The plain text official documents are edited in, shared by the meeting minutes (会议纪要) and
the mediation minutes (调解笔录). Pure: no database, clock or I/O.

A small Markdown: ``#`` headings, blank-line separated paragraphs, ``|`` tables with a ``---``
rule under the header. People edit it in a text box; ``blocks`` reads it back for the PDF layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


def day_text(day: date) -> str:
    """A date as an official document writes it: 2026年11月29日."""
    return f"{day.year}年{day.month}月{day.day}日"


def normalise(text: str) -> str:
    """One form whatever the browser sent: LF line ends, no trailing blanks, no blank lines at
    either end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def table_lines(table: Table, empty: str = " ") -> list[str]:
    """The table as ``|`` lines. A cell is one line with ``|`` replaced, ``empty`` when blank."""

    def cell(text: str) -> str:
        return " ".join(str(text).split()).replace("|", "｜") or empty

    lines = ["| " + " | ".join(cell(h) for h in table.header) + " |"]
    lines.append("|" + "|".join(" --- " for _ in table.header) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return lines


@dataclass(frozen=True)
class Block:
    """A piece of text: ``heading`` (level 1-3), ``paragraph`` (its lines), or ``table``."""

    kind: str
    text: str = ""
    level: int = 0
    table: Table | None = None


_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_RULE = re.compile(r":?-{3,}:?")


def _is_block_start(line: str) -> bool:
    return bool(_HEADING.fullmatch(line)) or line.startswith("|")


def _table(lines: Iterable[str]) -> Table | None:
    rows = [tuple(c.strip() for c in line.strip("|").split("|")) for line in lines]
    rows = [row for row in rows if not all(_RULE.fullmatch(c) for c in row)]
    return Table(rows[0], tuple(rows[1:])) if rows else None


def blocks(text: str) -> list[Block]:
    """Read the text back into headings, paragraphs and tables."""
    found: list[Block] = []
    lines = [line.strip() for line in normalise(text).split("\n")]
    n = 0
    while n < len(lines):
        line = lines[n]
        heading = _HEADING.fullmatch(line)
        if not line:
            n += 1
        elif heading:
            found.append(Block("heading", heading[2].strip(), min(len(heading[1]), 3)))
            n += 1
        elif line.startswith("|"):
            start = n
            while n < len(lines) and lines[n].startswith("|"):
                n += 1
            table = _table(lines[start:n])
            if table is not None:
                found.append(Block("table", table=table))
        else:
            start = n
            while n < len(lines) and lines[n] and not _is_block_start(lines[n]):
                n += 1
            found.append(Block("paragraph", "\n".join(lines[start:n])))
    return found
