"""A meeting as the API and the pages show it: names looked up, the viewer's rights worked out; and
who hears that it changed (the live refresh of the meeting page)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind, User, UserRole
from hub.permissions import SUBTREE_ROLES, Guard
from hub.routing import Ctx
from meetings import mail
from meetings.conflicts import ConflictNotice, as_seen_by
from meetings.models import ActionItem, Decision, Meeting
from meetings.permissions import is_chair, may_manage, visible
from meetings.schemas import (
    ActionOut,
    AgendaItemOut,
    ConflictOut,
    DecisionOut,
    InviteeOut,
    MeetingOut,
    MeetingSummary,
)
from meetings.timezones import known_zones


async def decisions_of(s: AsyncSession, meeting_id: int) -> Sequence[Decision]:
    query = select(Decision).where(Decision.meeting_id == meeting_id).order_by(Decision.id)
    return (await s.scalars(query)).all()


async def actions_in(s: AsyncSession, meeting_id: int) -> Sequence[ActionItem]:
    query = select(ActionItem).where(ActionItem.meeting_id == meeting_id).order_by(ActionItem.id)
    return (await s.scalars(query)).all()


async def people(s: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    return {u.id: u for u in (await s.scalars(select(User).where(User.id.in_(user_ids)))).all()}


async def owner_names(s: AsyncSession, actions: Sequence[ActionItem]) -> dict[int, str]:
    """Action id -> its owner's name (the person, or the agency)."""
    users = {a.owner_user_id for a in actions if a.owner_user_id}
    agencies = {a.owner_agency_id for a in actions if a.owner_agency_id}
    user_names = dict((await s.execute(select(User.id, User.display_name).where(User.id.in_(users)))).all())
    agency_names = dict(
        (await s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agencies)))).all()
    )
    found: dict[int, str] = {}
    for a in actions:
        if a.owner_user_id is not None:
            found[a.id] = user_names.get(a.owner_user_id, "")
        elif a.owner_agency_id is not None:
            found[a.id] = agency_names.get(a.owner_agency_id, "")
    return found


def action_out(action: ActionItem, owner: str) -> ActionOut:
    return ActionOut.model_validate(action).model_copy(update={"owner": owner})


async def actions_out(s: AsyncSession, actions: Sequence[ActionItem]) -> list[ActionOut]:
    names = await owner_names(s, actions)
    return [action_out(a, names.get(a.id, "")) for a in actions]


async def meeting_out(s: AsyncSession, meeting: Meeting, guard: Guard) -> MeetingOut:
    users = await people(s, {i.user_id for i in meeting.invitees})
    me = guard.principal.user_id
    invitees = [
        InviteeOut(
            id=i.id,
            user_id=i.user_id,
            name=users[i.user_id].display_name if i.user_id in users else "",
            agency_id=users[i.user_id].agency_id if i.user_id in users else 0,
            via_agency_id=i.via_agency_id,
            rsvp=i.rsvp,
            attendance=i.attendance,
            proxy_name=i.proxy_name,
        )
        for i in meeting.invitees
    ]
    summary = MeetingSummary.model_validate(meeting).model_dump()
    return MeetingOut(
        **summary,
        secretary_id=meeting.secretary_id,
        chair_id=meeting.chair_id,
        notes=meeting.notes,
        invitees=invitees,
        agenda=[AgendaItemOut.model_validate(item) for item in meeting.agenda],
        decisions=[DecisionOut.model_validate(d) for d in await decisions_of(s, meeting.id)],
        actions=await actions_out(s, await actions_in(s, meeting.id)),
        may_manage=may_manage(guard, meeting),
        is_chair=is_chair(guard.principal, meeting),
        my_invitee_id=next((i.id for i in meeting.invitees if i.user_id == me), None),
    )


async def conflicts_out(s: AsyncSession, found: Sequence[ConflictNotice], viewer: Guard) -> list[ConflictOut]:
    return [ConflictOut.model_validate(c) for c in await as_seen_by(s, found, viewer)]


# --- live refresh --------------------------------------------------------------------------------
# The event stream (hub/live.py) gives each person the topics user:<id> and agency:<id> of their own
# agency. A meeting is visible to its organiser agency and the invited agencies (everyone in them),
# to the people invited, its secretary and chair, to admins and supervisors of an agency above any
# of those agencies, and to the platform operators. So a change is told to exactly those topics:
# the agencies' own, and each of those people's; nobody else's stream carries it.

MEETING_CHANGED = "meeting.changed"


def meeting_agencies(meeting: Meeting) -> set[int]:
    """The agencies whose every member sees the meeting: the organiser and the invited ones."""
    return {meeting.organiser_agency_id} | {
        i.via_agency_id for i in meeting.invitees if i.via_agency_id is not None
    }


def meeting_topics(meeting: Meeting, overseer_ids: Iterable[int], agency_of: Mapping[int, int]) -> set[str]:
    """Pure: the event topics that reach the people who may see ``meeting``, given the admins,
    supervisors and operators above it (found by ``audience``) and each person's agency. A person
    whose agency is told already is not told again by name (one notice, not two)."""
    agencies = meeting_agencies(meeting)
    people = {i.user_id for i in meeting.invitees} | set(overseer_ids)
    people |= {p for p in (meeting.secretary_id, meeting.chair_id) if p is not None}
    named = {u for u in people if agency_of.get(u) not in agencies}
    return {f"agency:{a}" for a in agencies} | {f"user:{u}" for u in named}


async def audience(s: AsyncSession, meeting: Meeting) -> set[str]:
    above = directory.above(await directory.tree_of(s), meeting_agencies(meeting))
    subtree_people = select(UserRole.user_id).where(UserRole.role.in_(list(SUBTREE_ROLES)))
    overseers = set(
        await s.scalars(
            select(User.id).where(
                User.active.is_(True),
                or_(
                    User.is_superuser.is_(True), and_(User.agency_id.in_(above), User.id.in_(subtree_people))
                ),
            )
        )
    )
    people = (
        overseers | {i.user_id for i in meeting.invitees} | {meeting.secretary_id or 0, meeting.chair_id or 0}
    )
    agency_of = dict((await s.execute(select(User.id, User.agency_id).where(User.id.in_(people)))).all())
    return meeting_topics(meeting, overseers, agency_of)


async def announce(
    s: AsyncSession, outbox: Outbox, meeting: Meeting, part: str, actor_user_id: int | None
) -> None:
    """Queue "meeting <id> changed (<part>)" for everyone who may see it; the caller sends the
    outbox after the commit. The notice names no content: pages fetch what they may see."""
    for topic in sorted(await audience(s, meeting)):
        outbox.add(topic, MEETING_CHANGED, actor_user_id, meeting_id=meeting.id, part=part)


# --- what the API and the pages share ----------------------------------------------------------


def rsvp_link(meeting_id: int, token: str) -> str:
    return f"/meetings/{meeting_id}/rsvp/{token}"


def send_mail(
    ctx: Ctx, meeting_id: int, change: mail.Change, tokens: dict[int, str] | None = None, **more: Any
) -> None:
    """After commit: e-mail the meeting's calendar to its invitees (nothing when SMTP is off);
    ``tokens``: the RSVP tokens of the people just invited to this meeting, for their links."""
    links = {uid: rsvp_link(meeting_id, tok) for uid, tok in (tokens or {}).items()}
    mail.post(
        ctx.request.app, mail.Notice(meeting_id, change, ctx.user.actor, ctx.base_url, links=links, **more)
    )


INVITABLE = (
    AgencyKind.police_bureau,
    AgencyKind.justice_bureau,
    AgencyKind.court,
    AgencyKind.police_station,
    AgencyKind.judicial_office,
    AgencyKind.specialised_body,
    AgencyKind.stationed_room,
)


PRESETS = (
    ("FREQ=MONTHLY;BYDAY=1TU", N_("Monthly, first Tuesday")),
    ("FREQ=MONTHLY;BYDAY=1WE", N_("Monthly, first Wednesday")),
    ("FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", N_("Quarterly, first Tuesday")),
    ("FREQ=WEEKLY", N_("Weekly")),
)


ROLES = ("liaison", "supervisor", "admin", "secretary")


async def agencies_to_invite(s: AsyncSession) -> list[tuple[int, str]]:
    query = select(Agency.id, Agency.name).where(Agency.kind.in_(list(INVITABLE)), Agency.active.is_(True))
    return [(i, n) for i, n in (await s.execute(query.order_by(Agency.kind, Agency.code))).all()]


async def people_in(s: AsyncSession, agency_ids: set[int]) -> list[tuple[int, str]]:
    query = select(User.id, User.display_name).where(User.agency_id.in_(agency_ids), User.active.is_(True))
    return [(i, n) for i, n in (await s.execute(query.order_by(User.display_name))).all()]


def viewer_zone(ctx: Ctx) -> str:
    """The zone the calendar is drawn in: ``?tz=`` when it names a known zone, else the hub's."""
    asked = ctx.request.query.get("tz", "")
    return asked if asked in known_zones() else ctx.config.time_zone


async def meetings_between(ctx: Ctx, low: datetime, high: datetime) -> Sequence[Meeting]:
    async with ctx.db.read() as s:
        query = select(Meeting).where(
            visible(ctx.must.scope, ctx.user.user_id), Meeting.start < high, Meeting.end > low
        )
        return (await s.scalars(query.order_by(Meeting.start))).all()


def local_time(value: str) -> datetime:
    """A ``datetime-local`` field: wall clock, read in the meeting's zone by the caller."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None


def back(meeting_id: int, anchor: str = "") -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/meetings/{meeting_id}" + (f"#{anchor}" if anchor else ""))
