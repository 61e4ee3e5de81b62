"""JSON API of what the minutes record beyond the room: a face-to-face session recorded from its
case, and the 记录人's entries for any ended session (recorder, rights acknowledged, 回避, statements).
The forms are ``entry_pages``; the use cases ``in_person`` and ``entries``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from hub.errors import Forbidden
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from referrals import for_mediation
from rtc import service, views
from rtc.minutes import entries, in_person
from rtc.minutes.views import MinutesOut, minutes_json
from rtc.permissions import MediationPermission, get_run_session

routes = Routes()
TAGS = ("mediations",)
RUN = MediationPermission.run_mediations
Outcome = Literal["agreed", "not_agreed", "adjourned"]
Media = Literal["", "audio", "video"]


class OtherIn(BaseModel):
    role: Literal["interpreter", "lawyer", "grid_worker", "observer"]
    name: str = Field(min_length=1, max_length=100)


class InPersonIn(BaseModel):
    case_id: int
    start: datetime = Field(description="When it began (without an offset: the hub's time zone)")
    end: datetime
    place: str = Field(min_length=1, max_length=200)
    mediator_id: int | None = Field(default=None, description="Default: the referral's mediator, or you")
    recorder_id: int | None = Field(default=None, description="The 记录人; default: the mediator")
    present_party_ids: list[int] | None = Field(default=None, description="Default: every party came")
    others: list[OtherIn] = Field(default_factory=list, max_length=20, description="Others who came")
    outcome: Outcome
    outcome_note: str = Field(default="", max_length=500)
    recorded_media: Media = Field(default="", description="What was recorded: nothing, audio or video")


class RightIn(BaseModel):
    participant_id: int
    acknowledged_at: datetime | None = Field(description="Empty: not acknowledged")


class StatementIn(BaseModel):
    participant_id: int
    text: str = Field(max_length=entries.MAX_STATEMENT_CHARS)


class EntryIn(BaseModel):
    recorder_id: int | None = None
    rights: list[RightIn] = Field(default_factory=list, description="One per party present")
    recusal: Literal["", "none", "requested"] = Field(
        default="", description="回避: not asked, nobody asks, someone asks (say who and the answer)"
    )
    recusal_note: str = Field(default="", max_length=500)
    statements: list[StatementIn] = Field(default_factory=list, max_length=entries.MAX_STATEMENTS)
    recorded_media: Media | None = Field(default=None, description="Face to face only; empty: unchanged")


class EntryOut(BaseModel):
    session_id: int
    mode: str
    recorder_id: int | None
    rights: list[RightIn]
    recusal: str
    recusal_note: str
    statements: list[StatementIn]
    typed: bool = Field(description="False: the statements are the transcript's draft")
    recorded_media: str


def aware(value: datetime, zone: str) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))


@routes.api(
    "POST",
    "/api/v1/mediations/in-person",
    perm=RUN,
    summary="Record a face-to-face mediation session held for a case (its minutes are drafted)",
    body=InPersonIn,
    response=views.SessionOut,
    status=201,
    tags=TAGS,
)
async def hold(ctx: Ctx, body: InPersonIn) -> views.SessionOut:
    zone, now = ctx.config.time_zone, utcnow()
    async with ctx.write() as (s, outbox):
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, body.case_id)
        if not ctx.must.scope.covers(info.mediating_agency_id):
            raise Forbidden("Only the agency that mediates this case may record its sessions.")
        present = body.present_party_ids
        held = in_person.Held(
            start=aware(body.start, zone),
            end=aware(body.end, zone),
            place=body.place,
            present=frozenset(p.party_id for p in info.parties) if present is None else frozenset(present),
            others=tuple(service.GuestSpec(o.role, o.name) for o in body.others),
            outcome=body.outcome,
            note=body.outcome_note,
            recorder_id=body.recorder_id,
            recorded_media=body.recorded_media,
        )
        mediator_id = await views.resolve_mediator(ctx, s, info, body.mediator_id)
        session = await in_person.record_held(
            s, ctx.user.actor, info, held, mediator_id=mediator_id, now=now, zone=zone, outbox=outbox
        )
        return views.session_out(session, await service.participants(s, session.id), now)


@routes.api(
    "GET",
    "/api/v1/mediations/{id}/entries",
    perm=RUN,
    summary="The 记录人's entries for the minutes (statements: the transcript's draft until corrected)",
    response=EntryOut,
    tags=TAGS,
)
async def get_entries(ctx: Ctx) -> EntryOut:
    async with ctx.db.read() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        now = await entries.current(s, session, zone=ctx.config.time_zone)
        return EntryOut(
            session_id=session.id,
            mode=session.mode,
            recorder_id=session.recorder_id,
            rights=[
                RightIn(participant_id=p.id, acknowledged_at=p.rights_acknowledged_at) for p in now.parties
            ],
            recusal=session.recusal,
            recusal_note=session.recusal_note,
            statements=[StatementIn(participant_id=x.participant_id, text=x.text) for x in now.statements],
            typed=now.typed,
            recorded_media=session.recorded_media,
        )


@routes.api(
    "PUT",
    "/api/v1/mediations/{id}/entries",
    perm=RUN,
    summary="Save the 记录人's entries and draft the minutes again from them",
    body=EntryIn,
    response=MinutesOut,
    tags=TAGS,
)
async def put_entries(ctx: Ctx, body: EntryIn) -> MinutesOut:
    zone = ctx.config.time_zone
    entry = entries.Entry(
        recorder_id=body.recorder_id,
        rights={
            r.participant_id: aware(r.acknowledged_at, zone) if r.acknowledged_at else None
            for r in body.rights
        },
        recusal=body.recusal,
        recusal_note=body.recusal_note,
        statements=tuple(entries.Said(x.participant_id, x.text) for x in body.statements),
        recorded_media=body.recorded_media,
    )
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        minutes = await entries.save(s, ctx.user.actor, session, entry, now=utcnow(), zone=zone)
        return await minutes_json(s, minutes)
