"""An official document's text as form fields: a field per heading, per run of paragraphs and per
table cell, so that people edit the document as it will print and never its markup. Pure.

``parts`` reads the text (``hub.plaintext``'s small Markdown: ``#`` headings, paragraphs, ``|``
tables) into parts; the page shows each part as fields (``templates/docform.html``, macro
``fields``); ``text_of`` writes the posted fields back into the same kind of text. Reading an
unchanged document and writing it back gives the same text, so saving without a change changes
nothing (nor the hash people confirm). Each table gets one blank row more: a row typed there is
added, a row left blank (or emptied) goes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hub.errors import ValidationFailed
from hub.input_limits import small_int
from hub.plaintext import Table, blocks, normalise, table_lines

HEADING, TEXT, TABLE = "heading", "text", "table"
MAX_PARTS, MAX_ROWS, MAX_COLUMNS = 400, 500, 12


@dataclass(frozen=True)
class Part:
    """A heading (``level`` 1-3), paragraphs (blank-line separated) or a table."""

    kind: str
    text: str = ""
    level: int = 0
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in (HEADING, TEXT, TABLE):
            raise ValueError(f"unknown part {self.kind!r}")


def parts(text: str) -> list[Part]:
    """The text's parts, in order; paragraphs that follow each other share one part."""
    found: list[Part] = []
    for block in blocks(text):
        if block.kind == "paragraph":
            if found and found[-1].kind == TEXT:
                found[-1] = Part(TEXT, found[-1].text + "\n\n" + block.text)
            else:
                found.append(Part(TEXT, block.text))
        elif block.kind == "heading":
            found.append(Part(HEADING, block.text, block.level))
        elif block.table is not None:
            width = len(block.table.header)
            rows = tuple((tuple(r) + ("",) * width)[:width] for r in block.table.rows)
            found.append(Part(TABLE, header=block.table.header, rows=rows))
    return found


def _count(form: Mapping[str, list[str]], name: str, most: int) -> int:
    values = form.get(name) or [""]
    found = small_int(values[0])
    if found is None or found > most:
        raise ValidationFailed()
    return found


def _field(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


def posted(form: Mapping[str, list[str]], prefix: str) -> bool:
    """Whether the form carries a document's fields under ``prefix``."""
    return f"{prefix}count" in form


def text_of(form: Mapping[str, list[str]], prefix: str, *, empty: str = " ") -> str:
    """The text the posted fields say (as ``fields`` named them under ``prefix``). ``empty``: what
    a blank table cell is written as (the document's own habit: ``—`` or a blank)."""
    out: list[str] = []
    for n in range(_count(form, f"{prefix}count", MAX_PARTS)):
        name = f"{prefix}{n}-"
        kind = _field(form, name + "kind")
        if kind == HEADING:
            level = min(max(small_int(_field(form, name + "level")) or 2, 1), 3)
            heading = " ".join(_field(form, name + "text").split())
            if heading:
                out.append("#" * level + " " + heading)
        elif kind == TEXT:
            paragraphs = normalise(_field(form, name + "text"))
            if paragraphs.strip():
                out.append(paragraphs)
        elif kind == TABLE:
            columns = _count(form, name + "cols", MAX_COLUMNS)
            header = tuple(_field(form, f"{name}h{c}") for c in range(columns))
            rows = []
            for r in range(_count(form, name + "rows", MAX_ROWS + 1)):
                row = tuple(_field(form, f"{name}r{r}-c{c}") for c in range(columns))
                if any(cell.strip() for cell in row):
                    rows.append(row)
            if rows and columns:
                out.append("\n".join(table_lines(Table(header, tuple(rows)), empty=empty)))
        else:
            raise ValidationFailed()
    return "\n\n".join(out)


# --- the preview ----------------------------------------------------------------------------------

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def preview_policy(html: str, policy: str) -> str:
    """The page's Content-Security-Policy, letting the document's own ``<style>`` blocks (and no
    other inline style) apply in the preview frame, which inherits the page's policy."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _STYLE.findall(html)
    ]
    if not hashes:
        return policy
    return policy.replace("style-src 'self'", "style-src 'self' " + " ".join(sorted(set(hashes))), 1)
