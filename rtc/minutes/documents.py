"""The minutes (调解笔录) of a session, video or face to face, as a PDF in the official layout,
rendered with WeasyPrint off the event loop (``hub.documents``): the case number in every page's
header, page numbers in the footer, the sections as the mediator left them, the read-back line,
signature lines for each party, the mediator(s) and the 记录人, and the parties' online
confirmations, with the frozen hash once every party has confirmed.

Before anything was drafted (a session not yet ended, say), staff get a draft assembled from the
record as it stands; nothing is stored.

Confirmed (frozen) minutes are rendered once, when the last party confirms, and kept
(``frozen_pdf``): every download after that is the kept file, with its SHA-256 as ETag.

``session_minutes_pdf`` gives the PDF's bytes for a session id without HTTP (the case file,
一案一档, puts them in its bundle).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database
from hub.documents import Document, house_css, render_template
from hub.errors import MinutesMissing
from hub.plaintext import blocks, day_text
from hub.plugins import plugins
from hub.stored_pdf import StoredPdf, digest
from hub.templating import make_environment
from rtc import service
from rtc.errors import NO_MINUTES
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.models import MediationMinutes, MediationSession

STATUS_TEXT = {"draft": "草稿", "circulated": "待当事人确认", "confirmed": "已确认"}


def _when(at: datetime | None, zone: str) -> str:
    if at is None:
        return ""
    local = at.astimezone(ZoneInfo(zone))
    return f"{day_text(local.date())} {local:%H:%M}"


async def minutes_document(
    s: AsyncSession,
    env: jinja2.Environment,
    session: MediationSession,
    minutes: MediationMinutes | None,
    *,
    zone: str,
    edits: dict[str, Any] | None = None,
    typed: dict[str, Any] | None = None,
) -> Document:
    """Fill in the minutes inside the caller's transaction; render the PDF after it. ``edits``
    and ``typed`` (the content): the sections as being typed, not saved, in place of the saved
    ones (the live preview; ``service.as_typed``)."""
    if minutes is None:
        content: dict[str, Any] = pure.build_draft(await minutes_service.load_record(s, session, zone=zone))
        edits = {}
        status = "draft"
    else:
        content, status = (minutes.content if typed is None else typed), minutes.status
        edits = minutes.edits if edits is None else edits
    people = await service.participants(s, session.id)
    confirmations = [
        {"name": p.display_name, "at": _when(p.minutes_confirmed_at, zone)}
        for p in minutes_service.signers(people)
    ]
    confirmed = minutes is not None and minutes.status == "confirmed"
    context: dict[str, Any] = {
        "house_css": house_css(),  # a browser shows the preview as it prints
        "title": content.get("title", pure.TITLE),
        "case_number": content.get("case_number", ""),
        "status": STATUS_TEXT.get(status, status),
        "sections": [(heading, blocks(body)) for _key, heading, body, _edited in pure.bodies(content, edits)],
        "signatures": content.get("signatures", []),
        "closing": content.get("closing", ""),
        "confirmations": confirmations if status != "draft" else [],
        "absent": [p.display_name for p in people if p.role == "party" and p.joined_at is None],
        "confirmed": confirmed,
        "frozen_hash": minutes.frozen_hash if confirmed and minutes is not None else "",
        "confirmed_on": _when(minutes.confirmed_at, zone) if confirmed and minutes is not None else "",
    }
    html = render_template(env, "rtc/minutes_pdf.html", **context)
    return Document(html, *file_names(context["case_number"], session.id))


def file_names(case_number: str, session_id: int) -> tuple[str, str]:
    """The PDF's file name (Chinese) and its ASCII fallback. Pure."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", case_number) or str(session_id)
    return f"调解笔录-{safe}.pdf", f"mediation-minutes-{session_id}.pdf"


@cache
def environment() -> jinja2.Environment:
    """The templates as the app has them, for rendering without a request."""
    folders = [p.templates for p in plugins() if p.templates is not None]
    return make_environment(folders, Path(str(resources.files("hub.static"))))


async def session_minutes_pdf(
    db: Database, session_id: int, *, zone: str, env: jinja2.Environment | None = None
) -> bytes:
    """The 调解笔录 PDF of one session as it stands (the stored minutes, or a draft from the record
    before any), read in a short transaction of its own and rendered off the event loop after it.
    ``MinutesMissing`` when there is no such session. Whoever calls has checked who may read it."""
    kept = await frozen_pdf(db, session_id, zone=zone, env=env)
    if kept is not None:
        return kept.body
    async with db.read() as s:
        session = await s.get(MediationSession, session_id)
        if session is None:
            raise MinutesMissing(NO_MINUTES)
        minutes = await minutes_service.get(s, session_id)
        document = await minutes_document(s, env or environment(), session, minutes, zone=zone)
    return await document.pdf()


async def frozen_pdf(
    db: Database, session_id: int, *, zone: str, env: jinja2.Environment | None = None
) -> StoredPdf | None:
    """The kept PDF of confirmed minutes; None while they are not confirmed. Rendered and kept
    here the first time (when the last party confirms; minutes frozen before PDFs were kept, at
    their first download). Two requests racing keep one file: the first stored wins."""
    query = select(MediationMinutes.pdf, MediationMinutes.pdf_sha256).where(
        MediationMinutes.session_id == session_id
    )
    async with db.read() as s:
        minutes = await minutes_service.get(s, session_id)
        session = await s.get(MediationSession, session_id)
        if minutes is None or session is None or minutes.status != "confirmed":
            return None
        names = file_names(str(minutes.content.get("case_number", "")), session_id)
        kept = (await s.execute(query)).one()
        if kept.pdf is not None:
            return StoredPdf(kept.pdf, kept.pdf_sha256, *names)
        document = await minutes_document(s, env or environment(), session, minutes, zone=zone)
    body = await document.pdf()
    async with db.write() as s:
        await s.execute(
            update(MediationMinutes)
            .where(MediationMinutes.session_id == session_id, MediationMinutes.pdf.is_(None))
            .values(pdf=body, pdf_sha256=digest(body))
        )
        kept = (await s.execute(query)).one()
    return StoredPdf(kept.pdf, kept.pdf_sha256, *names)
