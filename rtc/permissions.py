"""Who may see and run video mediation sessions (``POLICY``, declared on the plugin).

- ``view_mediations``: liaisons, mediators, admins and supervisors see the sessions of the agencies
  in their scope (the mediating agency's people, and those above it).
- ``run_mediations``: mediators, liaisons and admins schedule sessions for referrals their agency
  mediates, invite people and issue or revoke links.
- In the room, only the session's own mediator holds the mediator's controls (checked per session).
- Recordings: those who may run a session download its main-room tracks. A private caucus (背对背)
  is said in confidence to the mediator who held it: its tracks go to that mediator and to those the
  policy names with ``hear_caucus_recordings`` (nobody by default; the platform operator always).

Guests (parties, interpreters...) have no account: their invitation link, exchanged once for a
browser credential, lets them into one session and nothing else.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden, NotFound
from hub.models import Role
from hub.permissions import Guard, Policy, Scope
from rtc.models import MediationSession


class MediationPermission(StrEnum):
    view_mediations = "view_mediations"
    run_mediations = "run_mediations"
    hear_caucus_recordings = "hear_caucus_recordings"


POLICY: Policy = {
    MediationPermission.view_mediations: frozenset(
        {Role.liaison, Role.mediator, Role.admin, Role.supervisor}
    ),
    MediationPermission.run_mediations: frozenset({Role.liaison, Role.mediator, Role.admin}),
    MediationPermission.hear_caucus_recordings: frozenset(),
}


def visible(scope: Scope, user_id: int) -> ColumnElement[bool]:
    """A WHERE clause on MediationSession for the sessions this person may see."""
    if scope.agency_ids is None:
        return true()
    return MediationSession.agency_id.in_(list(scope.agency_ids)) | (MediationSession.mediator_id == user_id)


async def get_visible_session(s: AsyncSession, guard: Guard, session_id: int) -> MediationSession:
    found = await s.get(MediationSession, session_id)
    if found is None or not (
        guard.scope.covers(found.agency_id) or found.mediator_id == guard.principal.user_id
    ):
        raise NotFound()
    return found


def may_run(guard: Guard, session: MediationSession) -> bool:
    principal = guard.principal
    if principal.is_superuser or session.mediator_id == principal.user_id:
        return True
    return guard.allows(MediationPermission.run_mediations) and guard.scope.covers(session.agency_id)


def may_hear(guard: Guard, session: MediationSession, room: str) -> bool:
    """Whether this person may download a recording made in ``room`` of the session."""
    if not may_run(guard, session):
        return False
    if room == "main" or session.mediator_id == guard.principal.user_id:
        return True
    return guard.allows(MediationPermission.hear_caucus_recordings) and guard.scope.covers(session.agency_id)


async def get_run_session(s: AsyncSession, guard: Guard, session_id: int) -> MediationSession:
    """A session the person may manage: 404 when unseen, 403 when only seen."""
    found = await get_visible_session(s, guard, session_id)
    if not may_run(guard, found):
        raise Forbidden()
    return found
