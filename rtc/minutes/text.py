"""The minutes' text: a section's drafted body, the mediator's edits over it, the whole document
as plain text (``#`` headings, ``|`` tables) and the hash that freezes it. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from hub.plaintext import Table, normalise, table_lines

TITLE = "调解笔录"
SIGNATURE_LINE = "＿＿＿＿＿＿＿＿"


class UnknownSection(ValueError):
    """An edit names a section the draft does not have."""


def section_body(section: Mapping[str, Any]) -> str:
    """The drafted text of a section: paragraphs, then its table as ``|`` lines."""
    parts = [normalise(str(p)) for p in section.get("paragraphs", ())]
    table = section.get("table")
    if table and table.get("rows"):
        rows = tuple(tuple(str(c) for c in row) for row in table["rows"])
        parts.append("\n".join(table_lines(Table(tuple(table["header"]), rows), empty="—")))
    return "\n\n".join(parts)


def bodies(
    content: Mapping[str, Any], edits: Mapping[str, Any] | None = None
) -> list[tuple[str, str, str, bool]]:
    """(key, heading, text, edited) per section, the mediator's text where there is one."""
    edits = edits or {}
    out = []
    for section in content.get("sections", ()):
        edited = edits.get(section["key"])
        if isinstance(edited, str) and edited.strip():
            out.append((section["key"], section["heading"], normalise(edited), True))
        else:
            out.append((section["key"], section["heading"], section_body(section), False))
    return out


def apply_edits(
    content: Mapping[str, Any], edits: Mapping[str, Any], changes: Mapping[str, str]
) -> dict[str, str]:
    """The edits after the mediator saved ``changes``. A blank text, or the drafted text itself,
    drops the edit, so the next redraft updates that section again."""
    drafted = {s["key"]: section_body(s) for s in content.get("sections", ())}
    result = {k: str(v) for k, v in edits.items() if isinstance(v, str)}
    for key, text in changes.items():
        if key not in drafted:
            raise UnknownSection(key)
        if not text.strip() or normalise(text) == drafted[key]:
            result.pop(key, None)
        else:
            result[key] = normalise(text)
    return result


def render_text(content: Mapping[str, Any], edits: Mapping[str, Any] | None = None) -> str:
    """The whole document as text, with the mediator's edits applied."""
    lines = [f"# {content.get('title', TITLE)}", "", f"案号：{content.get('case_number', '')}", ""]
    for _key, heading, body, _edited in bodies(content, edits):
        lines += [f"## {heading}", "", body, ""]
    if content.get("closing"):
        lines += [str(content["closing"]), ""]
    lines += [f"{s['label']}（签字）：{SIGNATURE_LINE}（{s['name']}）" for s in content.get("signatures", ())]
    return normalise("\n".join(lines)) + "\n"


def content_hash(content: Mapping[str, Any], edits: Mapping[str, Any] | None = None) -> str:
    """SHA-256 (hex) of the rendered text: what the parties confirm and what is frozen."""
    return hashlib.sha256(render_text(content, edits).encode("utf-8")).hexdigest()
