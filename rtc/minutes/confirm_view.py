"""What the parties' page to confirm the minutes shows, whichever way the party came (their
invitation's browser credential, ``pages``, or a confirmation-only link, ``confirm_pages``): the
minutes as they print, who took part and who did not, and what was agreed (or that nothing was)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import docform
from hub.permissions import Scope
from hub.routing import Ctx
from hub.templating import JINJA
from hub.web import CSP
from referrals import for_mediation
from rtc import service
from rtc.minutes import documents
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.minutes.views import minutes_json, shown_to_guests
from rtc.models import MediationMinutes, MediationSession, Participant

SIDES = ("applicant", "respondent", "third_party", "party")  # who can agree: the case's parties


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str  # the case's side (applicant...) for a party, else the role in the session
    present: bool


async def attendance(s: AsyncSession, session: MediationSession) -> list[Attendee]:
    """Everyone invited but the mediators, present or not, each by their side in the case."""
    info = await for_mediation.case_for_mediation(s, Scope(None), session.case_id)
    sides = {p.party_id: p.role for p in info.parties}
    return [
        Attendee(p.display_name, sides.get(p.party_id or 0, "") or p.role, p.joined_at is not None)
        for p in await service.participants(s, session.id)
        if p.role != "mediator"
    ]


def agreement_text(minutes: MediationMinutes | None) -> str:
    """The agreement as the minutes give it (the mediator's text where edited); empty if none."""
    if minutes is None:
        return ""
    found = [body for key, _h, body, _e in pure.bodies(minutes.content, minutes.edits) if key == "agreement"]
    return found[0] if found else ""


async def page_context(
    ctx: Ctx, s: AsyncSession, session: MediationSession, guest: Participant, *, action: str, pdf_url: str
) -> dict[str, Any]:
    """What the parties' page shows: the minutes as printed (once sent), who took part, the outcome."""
    minutes = await minutes_service.get(s, session.id)
    shown = shown_to_guests(minutes)
    html = ""
    if shown:
        env, zone = ctx.request.app[JINJA], ctx.config.time_zone
        html = (await documents.minutes_document(s, env, session, minutes, zone=zone)).html
    people = await attendance(s, session)
    mediators = [p.display_name for p in await service.participants(s, session.id) if p.role == "mediator"]
    return {
        "session": session,
        "guest": guest,
        "minutes": await minutes_json(s, minutes) if shown and minutes is not None else None,
        "signs": pure.signs(guest.role, guest.joined_at, guest.removed_at),
        "blocks": documents.blocks,
        "preview": html,
        "present": [p for p in people if p.present],
        "absent": [p for p in people if not p.present],
        "agreed_by": [p for p in people if p.present and p.role in SIDES],
        "mediators": mediators,
        "outcome": session.outcome,
        "agreement": agreement_text(minutes) if session.outcome == "agreed" else "",
        "action": action,
        "pdf_url": pdf_url,
        "needs_last4": False,
        "error": "",
    }


def with_preview(response: web.Response, html: str) -> web.Response:
    """Let the document's own styles apply in the preview frame (it inherits the page's policy)."""
    if html:
        response.headers["Content-Security-Policy"] = docform.preview_policy(html, CSP)
    return response
