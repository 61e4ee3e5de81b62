"""What the minutes' API and pages share: the JSON shape of the minutes, and who is asking (a guest
of the session by their browser credential, or staff who may see or run it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden, Unauthenticated
from hub.orm import utcnow
from hub.routing import Ctx, guard_for
from rtc import invitations, service
from rtc.minutes import minutes as pure
from rtc.minutes import service as minutes_service
from rtc.models import MediationMinutes, MediationSession, Participant
from rtc.permissions import MediationPermission, get_visible_session

VIEW, RUN = MediationPermission.view_mediations, MediationPermission.run_mediations
STEPS = ("save", "redraft", "circulate")


class SectionOut(BaseModel):
    key: str
    heading: str
    text: str
    edited: bool


class ConfirmationOut(BaseModel):
    participant_id: int
    name: str
    confirmed_at: datetime | None


class MinutesOut(BaseModel):
    session_id: int
    status: str = Field(description="draft, circulated (sent to the parties) or confirmed (frozen)")
    hash: str = Field(description="SHA-256 of the current text: what a party confirms")
    frozen_hash: str
    caucus_summary: str
    drafted_at: datetime
    edited_at: datetime | None
    circulated_at: datetime | None
    confirmed_at: datetime | None
    sections: list[SectionOut]
    confirmations: list[ConfirmationOut]
    text: str
    pdf_url: str


class EditsIn(BaseModel):
    sections: dict[str, str] = Field(
        default_factory=dict, description="Section key -> text; blank = drafted text"
    )
    caucus_summary: str | None = Field(default=None, max_length=minutes_service.MAX_SUMMARY_CHARS)


def minutes_out(minutes: MediationMinutes, people: Sequence[Participant]) -> MinutesOut:
    return MinutesOut(
        session_id=minutes.session_id,
        status=minutes.status,
        hash=minutes_service.current_hash(minutes),
        frozen_hash=minutes.frozen_hash,
        caucus_summary=minutes.include_caucus_summary,
        drafted_at=minutes.drafted_at,
        edited_at=minutes.edited_at,
        circulated_at=minutes.circulated_at,
        confirmed_at=minutes.confirmed_at,
        sections=[
            SectionOut(key=k, heading=h, text=t, edited=e)
            for k, h, t, e in pure.bodies(minutes.content, minutes.edits)
        ],
        confirmations=[
            ConfirmationOut(participant_id=p.id, name=p.display_name, confirmed_at=p.minutes_confirmed_at)
            for p in minutes_service.signers(people)
        ],
        text=pure.render_text(minutes.content, minutes.edits),
        pdf_url=f"/mediations/{minutes.session_id}/minutes.pdf",
    )


async def minutes_json(s: AsyncSession, minutes: MediationMinutes) -> MinutesOut:
    return minutes_out(minutes, await service.participants(s, minutes.session_id))


async def guest_of(ctx: Ctx, s: AsyncSession, session_id: int) -> Participant | None:
    secret = ctx.request.cookies.get(invitations.cookie_name(session_id))
    return await invitations.guest_by_secret(s, session_id, secret, utcnow())


def refusal(ctx: Ctx) -> Exception:
    """Neither staff nor a guest of this session: a guest browser (of another session) is refused,
    anyone else is asked to log in."""
    if any(name.startswith("gt_guest_") for name in ctx.request.cookies):
        return Forbidden()
    return Unauthenticated()


async def staff_session(ctx: Ctx, s: AsyncSession, session_id: int) -> MediationSession:
    """On a public route: the session as a logged-in person may see it (404 when unseen)."""
    if ctx.principal is None:
        raise refusal(ctx)
    guard = await guard_for(ctx.request, ctx.principal)
    guard.require(VIEW)
    return await get_visible_session(s, guard, session_id)


def shown_to_guests(minutes: MediationMinutes | None) -> bool:
    return minutes is not None and minutes.status in ("circulated", "confirmed")
