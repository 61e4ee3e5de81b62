"""What happens during and after a meeting: it is held, notes are typed per agenda item, the last
meeting's open actions are carried onto the agenda, owners report on their actions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound
from hub.models import User
from hub.permissions import Principal
from meetings import service
from meetings.models import ActionItem, AgendaItem, Meeting

MAX_NOTES = 20_000


async def mark_held(s: AsyncSession, actor: audit.Actor, meeting: Meeting) -> Meeting:
    """The meeting took place (attendance and minutes follow). A cancelled one cannot be held."""
    service.ensure_open(meeting)
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
    actions = [a for a in await service.open_actions_before(s, meeting) if a.id not in carried]
    if not actions:
        return added
    for action in actions:
        added.append(
            await service.add_agenda_item(
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


async def owner_names(s: AsyncSession, actions: Sequence[ActionItem]) -> dict[int, str]:
    """Action id -> its owner's name (the person, or the agency)."""
    from hub.models import Agency

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
