"""The forms behind the minutes' legal record (the API is ``entry_api``):

- record a face-to-face session held for a case (date, times, place, who came, the 记录人, the
  result): ``/mediations/in-person/new?case_id=``;
- the 记录人's plain form for any ended session: who records, each present party's acknowledgement
  of the rights and duties (with its time), the 回避 question and its answer, what a face-to-face
  session recorded, and the statements one by one under their speaker: ``/mediations/{id}/entries``.

Both are for staff who may run the session; each saves and goes on (post/redirect/get).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.errors import Forbidden, ValidationFailed
from hub.forms import Form
from hub.i18n import N_
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import for_mediation
from rtc import service, views
from rtc.minutes import entries, in_person
from rtc.permissions import MediationPermission, get_run_session

routes = Routes()
RUN = MediationPermission.run_mediations
OTHER_ROWS = 3  # blank lines for others who came (agents, interpreters...)
BLANK_STATEMENTS = 3  # blank statements under those already there


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _at(day: date, value: str, zone: str) -> datetime:
    try:
        return datetime.combine(day, time.fromisoformat(value), tzinfo=ZoneInfo(zone))
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None


@routes.page("GET", "/mediations/in-person/new", perm=RUN, summary="Record a face-to-face session of a case")
async def new_in_person(ctx: Ctx) -> web.Response:
    case_id = _int(ctx.request.query.get("case_id", ""))
    if case_id is None:
        raise ValidationFailed(N_("Open a case first, then record its face-to-face session."))
    async with ctx.db.read() as s:
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, case_id)
        agency = info.mediating_agency_id
        mediators = await service.mediators_of(s, agency) if agency else []
        recorders = await entries.recorders_of(s, agency) if agency else []
    today = utcnow().astimezone(ZoneInfo(ctx.config.time_zone)).date()
    return render(
        ctx,
        "rtc/in_person.html",
        info=info,
        mediators=mediators,
        recorders=recorders,
        today=today.isoformat(),
        other_rows=range(OTHER_ROWS),
    )


@routes.page("POST", "/mediations/in-person/new", perm=RUN, summary="Record a face-to-face session")
async def create_in_person(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    zone = ctx.config.time_zone
    case_id = _int(form.text("case_id"))
    try:
        day = date.fromisoformat(form.text("date"))
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None
    if case_id is None:
        raise ValidationFailed()
    others = tuple(
        service.GuestSpec(form.text(f"other_role-{n}"), form.text(f"other_name-{n}"))
        for n in range(OTHER_ROWS)
        if form.text(f"other_name-{n}")
    )
    held = in_person.Held(
        start=_at(day, form.text("start"), zone),
        end=_at(day, form.text("end"), zone),
        place=form.text("place"),
        present=frozenset(int(v) for v in form.getall("present") if v.isdigit()),
        others=others,
        outcome=form.text("outcome"),
        note=form.text("outcome_note"),
        recorder_id=_int(form.text("recorder_id")),
        recorded_media=form.text("recorded_media"),
    )
    async with ctx.write() as (s, outbox):
        info = await for_mediation.case_for_mediation(s, ctx.must.scope, case_id)
        if not ctx.must.scope.covers(info.mediating_agency_id):
            raise Forbidden("Only the agency that mediates this case may record its sessions.")
        mediator_id = await views.resolve_mediator(ctx, s, info, _int(form.text("mediator_id")))
        session = await in_person.record_held(
            s, ctx.user.actor, info, held, mediator_id=mediator_id, now=utcnow(), zone=zone, outbox=outbox
        )
    raise web.HTTPSeeOther(f"/mediations/{session.id}/entries")


@routes.page("GET", "/mediations/{id}/entries", perm=RUN, summary="The 记录人's form for the minutes")
async def entries_page(ctx: Ctx) -> web.Response:
    zone = ZoneInfo(ctx.config.time_zone)
    async with ctx.db.read() as s:
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        now = await entries.current(s, session, zone=ctx.config.time_zone)
    start = (session.started_at or utcnow()).astimezone(zone)
    acknowledged = {
        p.id: (p.rights_acknowledged_at or session.started_at or utcnow()).astimezone(zone).strftime("%H:%M")
        for p in now.parties
    }
    return render(
        ctx,
        "rtc/entries.html",
        session=session,
        current=now,
        start=start,
        acknowledged=acknowledged,
        blank=BLANK_STATEMENTS,
    )


@routes.page("POST", "/mediations/{id}/entries", perm=RUN, summary="Save the 记录人's form")
async def save_entries(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    zone = ctx.config.time_zone
    async with ctx.write() as (s, _):
        session = await get_run_session(s, ctx.must, ctx.match_int("id"))
        day = (session.started_at or utcnow()).astimezone(ZoneInfo(zone)).date()
        people = await service.participants(s, session.id)
        parties = [p for p in people if p.role == "party" and p.joined_at is not None]
        rights = {
            p.id: _at(day, form.text(f"ack_time-{p.id}") or "00:00", zone)
            if form.raw(f"ack-{p.id}")
            else None
            for p in parties
        }
        rows = _int(form.text("rows")) or 0
        said = tuple(
            entries.Said(speaker, form.raw(f"said-{n}"))
            for n in range(min(rows, entries.MAX_STATEMENTS))
            if (speaker := _int(form.text(f"speaker-{n}"))) is not None and form.text(f"said-{n}")
        )
        entry = entries.Entry(
            recorder_id=_int(form.text("recorder_id")),
            rights=rights,
            recusal=form.text("recusal"),
            recusal_note=form.text("recusal_note"),
            statements=said,
            recorded_media=form.text("recorded_media") if "recorded_media" in form else None,
        )
        await entries.save(s, ctx.user.actor, session, entry, now=utcnow(), zone=zone)
    raise web.HTTPSeeOther(f"/mediations/{session.id}/minutes")
