"""Shaping sessions for pages, the API and the CLI: link states, join URLs, QR codes."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hub.config import Config
from hub.errors import Forbidden
from hub.i18n import gettext
from hub.models import Role, User
from hub.routing import Ctx
from referrals import for_mediation
from rtc.models import MediationSession, Participant


def link_state(p: Participant, now: datetime) -> str:
    """none, active, used, expired or revoked (mediators have no link: they log in)."""
    if p.token_hash is None:
        return "none"
    if p.token_revoked_at is not None:
        return "revoked"
    if p.token_used_at is not None:
        return "used"
    if p.token_expires_at is not None and p.token_expires_at <= now:
        return "expired"
    return "active"


def room_name(room: str) -> str:
    """The room ("main" or "caucus-N") named in the reader's language."""
    if room.startswith("caucus-"):
        return gettext("Private talk %(n)s") % {"n": room.removeprefix("caucus-")}
    return gettext("Main room")


def base_url(config: Config) -> str:
    """Where links point when there is no request to ask (the command line)."""
    if config.public_url:
        return config.public_url
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
    return f"http://{host}:{config.port}"


def join_url(base: str, token: str) -> str:
    return f"{base}/join/{token}"


def qr_svg(url: str) -> str:
    """An SVG QR code (inline markup: no script, no external request)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


class ParticipantOut(BaseModel):
    id: int
    role: str
    name: str
    party_id: int | None
    identity_check: str
    link: str  # none, active, used, expired, revoked
    link_expires_at: datetime | None
    consent: str
    joined_at: datetime | None
    admitted_at: datetime | None
    minutes_confirmed_at: datetime | None


class SessionOut(BaseModel):
    id: int
    case_id: int
    referral_id: int
    agency_id: int
    mediator_id: int
    title: str
    status: str
    scheduled_start: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    outcome: str
    record_video: bool
    mode: str  # video, in_person (face to face)
    place: str
    room_url: str
    minutes_pdf_url: str
    participants: list[ParticipantOut]


def participant_out(p: Participant, now: datetime) -> ParticipantOut:
    return ParticipantOut(
        id=p.id,
        role=p.role,
        name=p.display_name,
        party_id=p.party_id,
        identity_check=p.identity_check,
        link=link_state(p, now) if p.user_id is None else "none",
        link_expires_at=p.token_expires_at,
        consent=p.consent,
        joined_at=p.joined_at,
        admitted_at=p.admitted_at,
        minutes_confirmed_at=p.minutes_confirmed_at,
    )


def session_out(session: MediationSession, people: list[Participant], now: datetime) -> SessionOut:
    return SessionOut(
        id=session.id,
        case_id=session.case_id,
        referral_id=session.referral_id,
        agency_id=session.agency_id,
        mediator_id=session.mediator_id,
        title=session.title,
        status=session.status,
        scheduled_start=session.scheduled_start,
        started_at=session.started_at,
        ended_at=session.ended_at,
        outcome=session.outcome,
        record_video=session.record_video,
        mode=session.mode,
        place=session.place,
        room_url=f"/mediations/{session.id}/room",
        minutes_pdf_url=f"/mediations/{session.id}/minutes.pdf",
        participants=[participant_out(p, now) for p in people],
    )


async def resolve_mediator(
    ctx: Ctx, s: AsyncSession, info: for_mediation.CaseInfo, wanted: int | None
) -> int:
    """The mediator must belong to the mediating agency (and be one); by default the referral's."""
    candidate = wanted or info.mediator_id or ctx.user.user_id
    user = await s.get(User, candidate)
    if user is None or user.agency_id != info.mediating_agency_id or Role.mediator not in user.role_names:
        if not (user is not None and user.id == ctx.user.user_id and ctx.user.is_superuser):
            raise Forbidden("The mediator must be a mediator of the agency that mediates this case.")
    return candidate
