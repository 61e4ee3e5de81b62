"""The one permission layer: what a role may do, and over which agencies.

Two questions, asked in this order for every request:
1. *May this role do this kind of thing?* A policy maps each permission to the roles holding it:
   the core's ``POLICY`` and each package's (``Plugin(permissions=...)``), joined once by the app
   (``policy_of``, kept as ``keys.POLICY``). Routes declare their permission when registered
   (``hub.routing``), so no handler can forget.
2. *Over which agencies?* A person acts within their own agency; admins and supervisors also over
   the agencies below theirs (``Agency.parent_id``); the platform operator (``is_superuser``)
   everywhere. Handlers call ``Guard.check_agency`` on the object's agency before reading or
   changing it. Pure: the agency tree is passed in, nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.audit import Actor
from hub.errors import Forbidden, OutOfScope
from hub.models import Role


class Permission(StrEnum):
    # Anyone logged in.
    use_hub = "use_hub"
    view_directory = "view_directory"
    # Administration of people and access.
    manage_agencies = "manage_agencies"
    manage_users = "manage_users"
    manage_tokens = "manage_tokens"
    view_audit = "view_audit"
    # The statutory calendar (holidays): the handlers also require the platform operator.
    manage_calendar = "manage_calendar"
    # Outbound messages (hub.outbound): agencies' webhooks, and messages that could not be delivered.
    manage_webhooks = "manage_webhooks"
    manage_outbound = "manage_outbound"


EVERY_ROLE: frozenset[str] = frozenset(Role)
Policy = Mapping[str, frozenset[str]]  # permission name -> roles holding it
# The core's permissions; domain packages declare theirs on their Plugin.
POLICY: Policy = MappingProxyType(
    {
        Permission.use_hub: EVERY_ROLE,
        Permission.view_directory: EVERY_ROLE,
        Permission.manage_agencies: frozenset({Role.admin}),
        Permission.manage_users: frozenset({Role.admin}),
        Permission.manage_tokens: frozenset({Role.admin}),
        Permission.view_audit: frozenset({Role.admin, Role.supervisor}),
        Permission.manage_calendar: frozenset({Role.admin}),
        Permission.manage_webhooks: frozenset({Role.admin}),
        Permission.manage_outbound: frozenset({Role.admin}),
    }
)


def policy_of(*parts: Policy) -> Policy:
    """One policy from the core's and the packages' parts; a permission declared twice is an error."""
    joined: dict[str, frozenset[str]] = {}
    for part in parts:
        clash = set(part) & set(joined)
        if clash:
            raise ValueError(f"permissions declared twice: {sorted(clash)}")
        joined.update(part)
    return MappingProxyType(joined)


# Roles whose reach extends to the agencies below their own.
SUBTREE_ROLES = frozenset({Role.admin, Role.supervisor})


@dataclass(frozen=True)
class Principal:
    """The person behind a request (logged in by cookie, or calling with an API token)."""

    user_id: int
    username: str
    display_name: str
    agency_id: int
    agency_name: str
    agency_kind: str
    roles: frozenset[str]
    is_superuser: bool = False
    locale: str = "zh_CN"
    via: str = "session"  # "session" or "token"

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, agency_id=self.agency_id)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def allowed(principal: Principal, permission: str, policy: Policy) -> bool:
    if principal.is_superuser:
        return True
    return bool(principal.roles.intersection(policy[permission]))


def descendants(tree: Mapping[int, int | None], root: int) -> set[int]:
    """``root`` and every agency below it; ``tree`` maps agency id -> parent id."""
    children: dict[int, list[int]] = {}
    for child, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@dataclass(frozen=True)
class Scope:
    """The agencies a principal may act on for a given permission; ``None`` means all of them."""

    agency_ids: frozenset[int] | None

    def covers(self, agency_id: int | None) -> bool:
        return self.agency_ids is None or (agency_id is not None and agency_id in self.agency_ids)


def scope_for(principal: Principal, tree: Mapping[int, int | None]) -> Scope:
    if principal.is_superuser:
        return Scope(None)
    if principal.has_role(*SUBTREE_ROLES):
        return Scope(frozenset(descendants(tree, principal.agency_id)))
    return Scope(frozenset({principal.agency_id}))


class Guard:
    """Per-request checks. Built by the routing layer after the role check has passed."""

    def __init__(self, principal: Principal, tree: Mapping[int, int | None], policy: Policy = POLICY) -> None:
        self.principal = principal
        self.scope = scope_for(principal, tree)
        self.policy = policy

    def allows(self, permission: str) -> bool:
        return allowed(self.principal, permission, self.policy)

    def require(self, permission: str) -> None:
        if not self.allows(permission):
            raise Forbidden()

    def check_agency(self, agency_id: int | None) -> None:
        if not self.scope.covers(agency_id):
            raise OutOfScope()

    def filter_ids(self, agency_ids: Iterable[int]) -> list[int]:
        return [a for a in agency_ids if self.scope.covers(a)]
