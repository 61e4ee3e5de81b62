"""The record of a meeting, as it is kept during and after it: attendance, the agenda and its
notes, decisions, actions (their owners are told) and their status; the meeting is marked held,
and the last meeting's open actions are carried onto the agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, User
from hub.notifications import notify
from hub.orm import utcnow
from hub.permissions import Principal
from meetings import cases, service
from meetings.errors import MeetingNotStarted
from meetings.models import ActionItem, AgendaItem, Decision, Invitee, Meeting

MAX_NOTES = 20_000
ATTENDANCE_VALUES = ("present", "absent", "excused", "proxy")
AGENDA_KINDS = ("report", "discussion", "decision", "case_review")
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")


async def mark_held(s: AsyncSession, actor: audit.Actor, meeting: Meeting, *, now: datetime) -> Meeting:
    """The meeting took place (attendance and minutes follow). A cancelled one cannot be held, nor
    one that has not started."""
    service.ensure_open(meeting)
    if meeting.status != "held" and now < meeting.start:
        raise MeetingNotStarted()
    if meeting.status != "held":
        meeting.status = "held"
        await s.flush()
        await audit.record(s, actor, "meeting.held", "meeting", meeting.id, {})
    return meeting


def agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    if item is None:
        raise NotFound()
    return item


async def set_item_notes(
    s: AsyncSession, actor: audit.Actor, meeting: Meeting, item_id: int, notes: str
) -> AgendaItem:
    """Notes typed during the meeting for one agenda item (they go into the draft minutes)."""
    service.ensure_open(meeting)
    item = agenda_item(meeting, item_id)
    item.notes = notes[:MAX_NOTES]
    await s.flush()
    await audit.record(
        s, actor, "meeting.notes", "meeting", meeting.id, {"item": item.id, "chars": len(item.notes)}
    )
    return item


async def set_meeting_notes(s: AsyncSession, actor: audit.Actor, meeting: Meeting, notes: str) -> Meeting:
    service.ensure_open(meeting)
    meeting.notes = notes[:MAX_NOTES]
    await s.flush()
    await audit.record(s, actor, "meeting.notes", "meeting", meeting.id, {"chars": len(meeting.notes)})
    return meeting


async def carry_open_actions(s: AsyncSession, actor: audit.Actor, meeting: Meeting) -> list[AgendaItem]:
    """Start the agenda with the open actions of the organiser's earlier meetings (each once)."""
    service.ensure_open(meeting)
    carried = {i.carried_action_id for i in meeting.agenda if i.carried_action_id is not None}
    added: list[AgendaItem] = []
    actions = [a for a in await open_actions_before(s, meeting) if a.id not in carried]
    if not actions:
        return added
    for action in actions:
        added.append(
            await add_agenda_item(
                s,
                actor,
                meeting,
                kind="report",
                title=action.text[:300],
                minutes=5,
                case_ids=[action.case_id] if action.case_id else [],
                carried_action_id=action.id,
            )
        )
    # Carried actions come first, in due order, before what was already on the agenda.
    ordered = [i for i in meeting.agenda if i.carried_action_id is not None] + [
        i for i in meeting.agenda if i.carried_action_id is None
    ]
    for position, item in enumerate(ordered):
        item.position = position
    meeting.agenda.sort(key=lambda i: i.position)
    await s.flush()
    return added


async def owns(s: AsyncSession, principal: Principal, action: ActionItem) -> bool:
    """Whether the person owns the action: named as its owner, or a member of its owner agency."""
    if action.owner_user_id == principal.user_id:
        return True
    return action.owner_agency_id is not None and action.owner_agency_id == principal.agency_id


async def actions_of(
    s: AsyncSession, user_id: int, agency_id: int, *, open_only: bool = True
) -> Sequence[ActionItem]:
    """The actions a person owns (by name, or through their agency), earliest due first."""
    query = select(ActionItem).where(
        (ActionItem.owner_user_id == user_id) | (ActionItem.owner_agency_id == agency_id)
    )
    if open_only:
        query = query.where(ActionItem.status.in_(["open", "in_progress"]))
    return (await s.scalars(query.order_by(ActionItem.due, ActionItem.id))).all()


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
