"""A meeting as the API and the pages show it: names looked up, the viewer's rights worked out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import User
from hub.permissions import Guard
from meetings import proceedings
from meetings.conflicts import ConflictNotice
from meetings.models import ActionItem, Decision, Meeting
from meetings.permissions import is_chair, may_manage
from meetings.schemas import (
    ActionOut,
    AgendaItemOut,
    ConflictOut,
    DecisionOut,
    InviteeOut,
    MeetingOut,
    MeetingSummary,
)


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


def action_out(action: ActionItem, owner: str) -> ActionOut:
    return ActionOut.model_validate(action).model_copy(update={"owner": owner})


async def actions_out(s: AsyncSession, actions: Sequence[ActionItem]) -> list[ActionOut]:
    names = await proceedings.owner_names(s, actions)
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


def conflicts_out(found: Sequence[ConflictNotice]) -> list[ConflictOut]:
    return [ConflictOut.model_validate(c) for c in found]
