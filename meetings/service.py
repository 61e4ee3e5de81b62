"""Meeting use cases: schedule, change, cancel, invite, RSVP, attendance, agenda, decisions, actions.

Every change to what invitees see in their calendars raises the meeting's SEQUENCE (RFC 5545), and
writes its audit row in the same transaction. Action items notify their owners.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, User, UserRole
from hub.notifications import notify
from hub.orm import utcnow
from hub.secrets_util import new_token, token_hash
from meetings import cases
from meetings.errors import MeetingClosed, RSVPExpired, RSVPRefused
from meetings.models import ActionItem, AgendaItem, Decision, Invitee, Meeting, Series
from meetings.recurrence import EndBeforeStart
from meetings.timezones import zone

RSVP_VALUES = ("accepted", "declined", "tentative")
ATTENDANCE_VALUES = ("present", "absent", "excused", "proxy")
AGENDA_KINDS = ("report", "discussion", "decision", "case_review")
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")


@dataclass(frozen=True)
class MeetingInput:
    title: str
    organiser_agency_id: int
    start: datetime
    end: datetime
    time_zone: str = "Asia/Shanghai"
    place: str = ""
    secretary_id: int | None = None
    chair_id: int | None = None

    def __post_init__(self) -> None:
        zone(self.time_zone)  # UnknownTimeZone
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationFailed(N_("Give times with their time zone."))
        if self.end <= self.start:
            raise EndBeforeStart()
        if not self.title.strip():
            raise ValidationFailed(N_("Give the meeting a title."))


def new_uid() -> str:
    return f"{uuid.uuid4()}@gongtiao"


async def get_meeting(s: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    return meeting


async def create_meeting(
    s: AsyncSession,
    actor: audit.Actor,
    data: MeetingInput,
    *,
    series_id: int | None = None,
    recurrence_id: datetime | None = None,
    uid: str | None = None,
) -> Meeting:
    meeting = Meeting(
        uid=uid or new_uid(),
        series_id=series_id,
        recurrence_id=recurrence_id,
        title=data.title.strip(),
        organiser_agency_id=data.organiser_agency_id,
        secretary_id=data.secretary_id,
        chair_id=data.chair_id,
        start=data.start,
        end=data.end,
        time_zone=data.time_zone,
        place=data.place,
        status="scheduled",
        invitees=[],
        agenda=[],
    )
    s.add(meeting)
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.scheduled",
        "meeting",
        meeting.id,
        {"title": meeting.title, "start": meeting.start.isoformat()},
    )
    return meeting


async def touch(s: AsyncSession, meeting: Meeting) -> None:
    """Something invitees see changed: a new SEQUENCE for calendar clients, on the meeting and, for
    an occurrence, on its series (whose calendar object carries every occurrence). The counters
    are read again under a row lock: two secretaries changing two occurrences at once must not
    both write the same next number (calendar clients ignore an update that does not rise)."""
    await s.refresh(meeting, ["sequence"], with_for_update=True)
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    if meeting.series_id is not None:
        series = await s.get(Series, meeting.series_id, with_for_update=True, populate_existing=True)
        if series is not None:
            series.sequence += 1


async def retitle(s: AsyncSession, actor: audit.Actor, meeting: Meeting, title: str) -> None:
    if title == meeting.title:
        return
    before, meeting.title = meeting.title, title
    await touch(s, meeting)
    await audit.record(s, actor, "meeting.retitled", "meeting", meeting.id, {"from": before, "to": title})


async def reschedule(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    start: datetime,
    end: datetime,
    place: str | None = None,
) -> Meeting:
    ensure_open(meeting)
    MeetingInput(meeting.title, meeting.organiser_agency_id, start, end, meeting.time_zone)  # validates
    meeting.start, meeting.end = start, end
    if place is not None:
        meeting.place = place
    meeting.moved = meeting.series_id is not None
    await touch(s, meeting)
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.rescheduled",
        "meeting",
        meeting.id,
        {"start": start.isoformat(), "end": end.isoformat(), "sequence": meeting.sequence},
    )
    return meeting


async def cancel(s: AsyncSession, actor: audit.Actor, meeting: Meeting, reason: str = "") -> Meeting:
    ensure_open(meeting)
    meeting.status = "cancelled"
    await touch(s, meeting)
    await s.flush()
    await audit.record(s, actor, "meeting.cancelled", "meeting", meeting.id, {"reason": reason[:200]})
    return meeting


def ensure_open(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise MeetingClosed()


# --- invitations ----------------------------------------------------------------------------------


async def invite(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    *,
    user_ids: Iterable[int] = (),
    agency_ids: Iterable[int] = (),
    roles: Iterable[str] = (),
    outbox: Outbox,
    quiet: bool = False,
) -> dict[int, str]:
    """Invite people, or the active members of some agencies (only those holding one of ``roles``,
    when given). Returns user id -> RSVP token for the new invitees (only their hashes are kept;
    the tokens go into the invitation links). ``quiet``: no notification (the caller sends one for
    a whole series)."""
    ensure_open(meeting)
    wanted: dict[int, int | None] = {uid: None for uid in user_ids}
    for agency_id in agency_ids:
        members = select(User.id).where(User.agency_id == agency_id, User.active.is_(True))
        if roles:
            members = members.where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(list(roles))))
            )
        for uid in (await s.scalars(members)).all():
            wanted.setdefault(uid, agency_id)
    existing = {i.user_id for i in meeting.invitees}
    tokens: dict[int, str] = {}
    for uid, via in wanted.items():
        if uid in existing or await s.get(User, uid) is None:
            continue
        token = new_token(nbytes=24)
        meeting.invitees.append(Invitee(user_id=uid, via_agency_id=via, rsvp_token_hash=token_hash(token)))
        tokens[uid] = token
    if tokens:
        await touch(s, meeting)
        await s.flush()
        await audit.record(s, actor, "meeting.invited", "meeting", meeting.id, {"users": sorted(tokens)})
    if tokens and not quiet:
        await notify(
            s,
            outbox,
            tokens,
            "meeting.invited",
            N_("You are invited to %(meeting)s on %(when)s"),
            f"/meetings/{meeting.id}",
            meeting=meeting.title,
            when=local_text(meeting),
        )
    return tokens


def local_text(meeting: Meeting) -> str:
    return meeting.start.astimezone(zone(meeting.time_zone)).strftime("%Y-%m-%d %H:%M")


async def rsvp(s: AsyncSession, meeting: Meeting, invitee: Invitee, answer: str) -> Invitee:
    if answer not in RSVP_VALUES:
        raise ValidationFailed(N_("Answer accept, decline or tentative."))
    ensure_open(meeting)
    invitee.rsvp, invitee.rsvp_at = answer, utcnow()
    await s.flush()
    await audit.record(
        s,
        audit.Actor(invitee.user_id, None),
        "meeting.rsvp",
        "meeting",
        meeting.id,
        {"user": invitee.user_id, "answer": answer},
    )
    return invitee


async def invitee_by_token(s: AsyncSession, meeting_id: int, token: str) -> Invitee:
    """The invitee whose link this is; a token of another meeting or person is refused, and one
    of a meeting that is over, or of a person no longer active, has expired."""
    invitee = await s.scalar(select(Invitee).where(Invitee.rsvp_token_hash == token_hash(token)))
    if invitee is None or invitee.meeting_id != meeting_id:
        raise RSVPRefused()
    meeting = await s.get(Meeting, meeting_id)
    person = await s.get(User, invitee.user_id)
    if meeting is None or meeting.end <= utcnow() or person is None or not person.active:
        raise RSVPExpired()
    return invitee


async def record_attendance(
    s: AsyncSession, actor: audit.Actor, meeting: Meeting, invitee_id: int, status: str, proxy_name: str = ""
) -> Invitee:
    if status not in ATTENDANCE_VALUES:
        raise ValidationFailed(N_("Unknown attendance status."))
    if status == "proxy" and not proxy_name.strip():
        raise ValidationFailed(N_("Name the person attending in their place."))
    invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
    if invitee is None:
        raise NotFound()
    invitee.attendance, invitee.proxy_name = status, proxy_name.strip()[:100] if status == "proxy" else ""
    await s.flush()
    await audit.record(
        s, actor, "meeting.attendance", "meeting", meeting.id, {"invitee": invitee_id, "status": status}
    )
    return invitee


# --- agenda, decisions, actions -------------------------------------------------------------------


async def add_agenda_item(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    *,
    kind: str,
    title: str,
    presenter: str = "",
    minutes: int = 10,
    case_ids: Sequence[int] = (),
    carried_action_id: int | None = None,
) -> AgendaItem:
    if kind not in AGENDA_KINDS:
        raise ValidationFailed(N_("Unknown agenda item kind."))
    if not title.strip() or not 0 < minutes <= 480:
        raise ValidationFailed(N_("Give the item a title and a time between 1 and 480 minutes."))
    item = AgendaItem(
        position=len(meeting.agenda),
        kind=kind,
        title=title.strip()[:300],
        presenter=presenter[:100],
        minutes=minutes,
        case_ids=list(case_ids),
        carried_action_id=carried_action_id,
    )
    meeting.agenda.append(item)
    await s.flush()
    await audit.record(
        s, actor, "meeting.agenda_added", "meeting", meeting.id, {"item": item.id, "kind": kind}
    )
    return item


async def add_decision(
    s: AsyncSession, actor: audit.Actor, meeting: Meeting, text: str, agenda_item_id: int | None
) -> Decision:
    if not text.strip():
        raise ValidationFailed(N_("Write the decision."))
    decision = Decision(meeting_id=meeting.id, agenda_item_id=agenda_item_id, text=text.strip())
    s.add(decision)
    await s.flush()
    await audit.record(s, actor, "meeting.decision", "meeting", meeting.id, {"decision": decision.id})
    return decision


async def add_action(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    *,
    text: str,
    due: date,
    outbox: Outbox,
    owner_agency_id: int | None = None,
    owner_user_id: int | None = None,
    agenda_item_id: int | None = None,
    case_id: int | None = None,
) -> ActionItem:
    if not text.strip():
        raise ValidationFailed(N_("Write what is to be done."))
    if owner_agency_id is None and owner_user_id is None:
        raise ValidationFailed(N_("Give the action an owner (an agency or a person)."))
    owner_user = await s.get(User, owner_user_id) if owner_user_id is not None else None
    if owner_user_id is not None and (owner_user is None or not owner_user.active):
        raise ValidationFailed(N_("The person given as the owner is not known."))
    if owner_agency_id is not None and await s.get(Agency, owner_agency_id) is None:
        raise ValidationFailed(N_("The agency given as the owner is not known."))
    await cases.check_case(s, meeting, case_id)
    action = ActionItem(
        meeting_id=meeting.id,
        agenda_item_id=agenda_item_id,
        text=text.strip(),
        due=due,
        owner_agency_id=owner_agency_id,
        owner_user_id=owner_user_id,
        case_id=case_id,
    )
    s.add(action)
    await s.flush()
    await audit.record(
        s, actor, "meeting.action", "action_item", action.id, {"meeting": meeting.id, "due": due.isoformat()}
    )
    owners = (
        [owner_user_id]
        if owner_user_id
        else (
            await s.scalars(select(User.id).where(User.agency_id == owner_agency_id, User.active.is_(True)))
        ).all()
    )
    await notify(
        s,
        outbox,
        owners,
        "meeting.action",
        N_("Action from %(meeting)s, due %(due)s: %(text)s"),
        f"/meetings/{meeting.id}",
        meeting=meeting.title,
        due=due.isoformat(),
        text=action.text[:80],
    )
    return action


async def open_actions_before(s: AsyncSession, meeting: Meeting) -> Sequence[ActionItem]:
    """Open actions of the organiser's earlier meetings: the next agenda starts with them."""
    earlier = select(Meeting.id).where(
        Meeting.organiser_agency_id == meeting.organiser_agency_id,
        Meeting.start < meeting.start,
        Meeting.id != meeting.id,
    )
    query = (
        select(ActionItem)
        .where(ActionItem.meeting_id.in_(earlier), ActionItem.status.in_(["open", "in_progress"]))
        .order_by(ActionItem.due)
    )
    return (await s.scalars(query)).all()


async def set_action_status(
    s: AsyncSession, actor: audit.Actor, action: ActionItem, status: str
) -> ActionItem:
    if status not in ACTION_STATUSES:
        raise ValidationFailed(N_("Unknown action status."))
    action.status = status
    action.done_at = utcnow() if status == "done" else None
    await s.flush()
    await audit.record(s, actor, "meeting.action_status", "action_item", action.id, {"status": status})
    return action
