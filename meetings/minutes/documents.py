"""The minutes (会议纪要) as a PDF in the official layout, rendered with WeasyPrint (``hub.documents``).

The PDF is laid out from the minutes *text* (as approved, or the latest draft; or, before anything
was drafted, a draft assembled from the record): its headings, paragraphs and tables, then the
signature lines. Each page carries the meeting's identity in its header and its number in the
footer. Approved minutes show their revision and the start of their SHA-256; a draft says so.

An approved revision is rendered once, when the chair approves it, and kept (``approved_pdf``):
every download after that is the kept file, with its SHA-256 as ETag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jinja2
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database
from hub.documents import Document, house_css, render_template
from hub.errors import MinutesMissing
from hub.plaintext import Block, blocks, day_text
from hub.stored_pdf import StoredPdf, digest
from meetings.errors import NO_MINUTES
from meetings.minutes import service as minutes_service
from meetings.minutes.minutes import SIGNATURE_LINE, assemble, render_text
from meetings.models import Meeting, Minutes
from meetings.timezones import to_local

STATUS_TEXT = {"draft": "草稿", "circulated": "征求意见稿", "approved": "已审定"}


@dataclass(frozen=True)
class Layout:
    """The text read into what the template places: title, subtitle, body blocks, signatures."""

    title: str
    subtitle: str
    body: list[Block] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)


def layout(text: str) -> Layout:
    """Pure: the first heading is the title, a paragraph right after it in full-width brackets the
    subtitle, lines ending in the signature blank become signature lines."""
    found = blocks(text)
    title, subtitle = "", ""
    if found and found[0].kind == "heading" and found[0].level == 1:
        title = found.pop(0).text
        if found and found[0].kind == "paragraph" and found[0].text.startswith("（"):
            subtitle = found.pop(0).text
    body: list[Block] = []
    signatures: list[str] = []
    for block in found:
        if block.kind == "paragraph" and SIGNATURE_LINE in block.text:
            lines = block.text.split("\n")
            signatures += [line.split("：")[0] for line in lines if SIGNATURE_LINE in line]
            rest = "\n".join(line for line in lines if SIGNATURE_LINE not in line)
            if rest.strip():
                body.append(Block("paragraph", rest))
        else:
            body.append(block)
    return Layout(title, subtitle, body, signatures)


async def minutes_document(
    s: AsyncSession,
    env: jinja2.Environment,
    meeting: Meeting,
    now: datetime,
    revision: int | None = None,
    *,
    drafts: bool = True,
    typed: str | None = None,
) -> Document:
    """The minutes of a meeting (a given revision, or the latest), filled in inside the caller's
    transaction; render the PDF after it. ``drafts=False``: only circulated or approved revisions,
    and no draft assembled from the record either. ``typed``: the text being edited, not saved,
    in place of the revision's (the editor's live preview)."""
    chosen: Minutes | None = None
    for row in await minutes_service.revisions(s, meeting.id, drafts=drafts):
        if revision is None or row.revision == revision:
            chosen = row
    if (revision is not None or not drafts) and chosen is None:
        raise MinutesMissing(NO_MINUTES)
    if chosen is None:
        record = await minutes_service.record_of(s, meeting, now)
        text, status, number = (
            render_text(assemble(record, to_local(now, meeting.time_zone).date())),
            "draft",
            0,
        )
    else:
        text, status, number = chosen.text, chosen.status, chosen.revision
    if typed is not None:
        text = typed
    local = to_local(meeting.start, meeting.time_zone)
    context: dict[str, Any] = {
        "house_css": house_css(),  # a browser shows the preview as it prints
        "doc": layout(text),
        "status": STATUS_TEXT.get(status, status),
        "approved": chosen is not None and chosen.status == "approved",
        "sha256": chosen.sha256 if chosen is not None else "",
        "revision": number,
        "approved_on": day_text(to_local(chosen.approved_at, meeting.time_zone).date())
        if chosen is not None and chosen.approved_at
        else "",
        "identity": f"{meeting.title} · {day_text(local.date())}",
    }
    html = render_template(env, "meetings/documents/minutes.html", **context)
    return Document(html, *file_names(meeting))


def file_names(meeting: Meeting) -> tuple[str, str]:
    """The PDF's file name (Chinese) and its ASCII fallback."""
    stem = f"{to_local(meeting.start, meeting.time_zone):%Y%m%d}"
    return f"会议纪要-{meeting.title}-{stem}.pdf", f"minutes-{meeting.id}-{stem}.pdf"


async def approved_pdf(
    db: Database, env: jinja2.Environment, meeting_id: int, revision: int, now: datetime
) -> StoredPdf | None:
    """The kept PDF of an approved revision; None when that revision is not approved. Rendered and
    kept here the first time (at approval; revisions approved before PDFs were kept, at their first
    download). Two requests racing keep one file: the first stored wins."""
    where = (Minutes.meeting_id == meeting_id, Minutes.revision == revision)
    query = select(Minutes.status, Minutes.pdf, Minutes.pdf_sha256).where(*where)
    async with db.read() as s:
        meeting = await s.get(Meeting, meeting_id)
        row = (await s.execute(query)).one_or_none()
        if meeting is None or row is None or row.status != "approved":
            return None
        names = file_names(meeting)
        if row.pdf is not None:
            return StoredPdf(row.pdf, row.pdf_sha256, *names)
        document = await minutes_document(s, env, meeting, now, revision)
    body = await document.pdf()
    async with db.write() as s:
        await s.execute(
            update(Minutes).where(*where, Minutes.pdf.is_(None)).values(pdf=body, pdf_sha256=digest(body))
        )
        row = (await s.execute(query)).one()
    return StoredPdf(row.pdf, row.pdf_sha256, *names)


async def keep_approved_pdf(db: Database, env: jinja2.Environment, meeting_id: int, now: datetime) -> None:
    """After the chair's approval is committed: render the approved text's PDF once and keep it."""
    async with db.read() as s:
        latest = await minutes_service.latest(s, meeting_id)
    if latest is not None and latest.status == "approved":
        await approved_pdf(db, env, meeting_id, latest.revision, now)
