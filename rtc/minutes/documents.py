"""The minutes (调解笔录) as a PDF in the official layout, rendered with WeasyPrint off the event loop
(``hub.documents``): the case number in every page's header, page numbers in the footer, the
sections as the mediator left them, signature lines for the mediator(s) and each party, and the
parties' online confirmations, with the frozen hash once every party has confirmed.

Before anything was drafted (a session not yet ended, say), staff get a draft assembled from the
record as it stands; nothing is stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents import Document, render_template
from hub.plaintext import blocks, day_text
from rtc import service
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
) -> Document:
    """Fill in the minutes inside the caller's transaction; render the PDF after it."""
    if minutes is None:
        content: dict[str, Any] = pure.build_draft(await minutes_service.load_record(s, session, zone=zone))
        edits: dict[str, Any] = {}
        status = "draft"
    else:
        content, edits, status = minutes.content, minutes.edits, minutes.status
    people = await service.participants(s, session.id)
    confirmations = [
        {"name": p.display_name, "at": _when(p.minutes_confirmed_at, zone)}
        for p in minutes_service.signers(people)
    ]
    confirmed = minutes is not None and minutes.status == "confirmed"
    context: dict[str, Any] = {
        "title": content.get("title", pure.TITLE),
        "case_number": content.get("case_number", ""),
        "status": STATUS_TEXT.get(status, status),
        "sections": [(heading, blocks(body)) for _key, heading, body, _edited in pure.bodies(content, edits)],
        "signatures": content.get("signatures", []),
        "confirmations": confirmations if status != "draft" else [],
        "confirmed": confirmed,
        "frozen_hash": minutes.frozen_hash if confirmed and minutes is not None else "",
        "confirmed_on": _when(minutes.confirmed_at, zone) if confirmed and minutes is not None else "",
    }
    html = render_template(env, "rtc/minutes_pdf.html", **context)
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", context["case_number"]) or str(session.id)
    return Document(html, f"调解笔录-{safe}.pdf", f"mediation-minutes-{session.id}.pdf")
