"""Who may see and run joint liaison meetings (``POLICY``, declared on the plugin), and which meetings
a person sees.

- ``view_meetings`` (every role): read the meetings in one's scope, answer one's own invitations.
- ``manage_meetings`` (secretary, admin): schedule, invite, record attendance, agenda, decisions,
  actions, and edit the minutes of meetings organised by an agency in one's scope (or of which one
  is the secretary).
- The chair of a meeting approves its minutes: checked per meeting, not by role.

A meeting is visible to its organiser agency (and the admins and supervisors above it, through the
``Scope``), to the agencies invited, and to each person invited, its secretary and its chair.
Outsiders get 404, so they cannot learn that a meeting exists.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden, NotFound
from hub.models import Role
from hub.permissions import EVERY_ROLE, Guard, Policy, Principal, Scope
from meetings.errors import NotChair
from meetings.models import Invitee, Meeting


class MeetingPermission(StrEnum):
    view_meetings = "view_meetings"
    manage_meetings = "manage_meetings"


POLICY: Policy = {
    MeetingPermission.view_meetings: EVERY_ROLE,
    MeetingPermission.manage_meetings: frozenset({Role.secretary, Role.admin}),
}


def visible(scope: Scope, user_id: int) -> ColumnElement[bool]:
    """A WHERE clause on Meeting for the meetings this person may see."""
    if scope.agency_ids is None:
        return true()
    ids = list(scope.agency_ids)
    invited = (
        select(Invitee.id)
        .where(
            Invitee.meeting_id == Meeting.id,
            or_(Invitee.user_id == user_id, Invitee.via_agency_id.in_(ids)),
        )
        .correlate(Meeting)
        .exists()
    )
    return or_(
        Meeting.organiser_agency_id.in_(ids),
        Meeting.secretary_id == user_id,
        Meeting.chair_id == user_id,
        invited,
    )


async def get_visible_meeting(s: AsyncSession, guard: Guard, meeting_id: int) -> Meeting:
    meeting = await s.scalar(
        select(Meeting).where(Meeting.id == meeting_id, visible(guard.scope, guard.principal.user_id))
    )
    if meeting is None:
        raise NotFound()
    return meeting


def may_manage(guard: Guard, meeting: Meeting) -> bool:
    """Secretaries and admins of the organiser's scope, and the meeting's own secretary."""
    principal = guard.principal
    if principal.is_superuser or meeting.secretary_id == principal.user_id:
        return True
    return guard.allows(MeetingPermission.manage_meetings) and guard.scope.covers(meeting.organiser_agency_id)


def check_manage(guard: Guard, meeting: Meeting) -> None:
    if not may_manage(guard, meeting):
        raise Forbidden()


def is_chair(principal: Principal, meeting: Meeting) -> bool:
    return principal.is_superuser or (meeting.chair_id is not None and meeting.chair_id == principal.user_id)


def reads_drafts(guard: Guard, meeting: Meeting) -> bool:
    """Who reads the minutes before they are circulated: those who run the meeting and its chair
    (who may approve a draft). Invitees read them once circulated."""
    return may_manage(guard, meeting) or is_chair(guard.principal, meeting)


def check_chair(principal: Principal, meeting: Meeting) -> None:
    if not is_chair(principal, meeting):
        raise NotChair()


async def get_managed_meeting(s: AsyncSession, guard: Guard, meeting_id: int) -> Meeting:
    """A meeting the person may change: 404 when they cannot see it, 403 when they only see it."""
    meeting = await get_visible_meeting(s, guard, meeting_id)
    check_manage(guard, meeting)
    return meeting
