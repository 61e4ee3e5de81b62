"""Agencies, people and API tokens: the use cases behind the admin pages and API, and the agency
tree every package walks.

Every use case takes an open session and an actor, checks what only the data can tell (duplicate
names, unknown agencies), writes its audit row in the same transaction, and leaves permission
checks to the caller's ``Guard``.

The agency tree (agency id -> parent id) is cached by the app (``AgencyTreeCache``, ``keys.TREE``);
``Ctx.write()`` hands the cached tree to its transaction, and ``tree_of`` reads it from there (or
from the database once per transaction, outside a request). ``above`` and ``with_above`` walk it
upwards (who oversees an agency); ``hub.permissions.descendants`` walks it downwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from hub import audit
from hub.cache import cached
from hub.db import Database
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.i18n import N_
from hub.models import (
    Agency,
    AgencyKind,
    AgencySpecialty,
    ApiToken,
    Area,
    Role,
    Specialty,
    User,
    UserRole,
    WebSession,
)
from hub.notifications import people_with_role
from hub.secrets_util import new_token, token_hash

# --- names ---------------------------------------------------------------------------------------


async def names(s: AsyncSession, model: Any, ids: Iterable[Any]) -> dict[int, str]:
    """Id -> name of people (``User``: their display name), agencies or areas, in one query; ids
    that are None or unknown are left out."""
    column = model.display_name if model is User else model.name
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    rows = await s.execute(select(model.id, column).where(model.id.in_(wanted)))
    return {i: name for i, name in rows.all()}


# --- the agency tree ----------------------------------------------------------------------------

Tree = Mapping[int, int | None]
TREE_INFO = "agency_tree"  # where a session keeps the tree it was given (``AsyncSession.info``)


async def read_tree(s: AsyncSession) -> dict[int, int | None]:
    """Agency id -> parent id, in one query."""
    return {agency_id: parent for agency_id, parent in (await s.execute(select(Agency.id, Agency.parent_id)))}


class AgencyTreeCache:
    """agency id -> parent id, reloaded at most every few seconds and at once after a change here."""

    def __init__(self, ttl: float = 10.0) -> None:
        self._tree: dict[int, int | None] | None = None
        self._loaded = 0.0
        self._ttl = ttl

    async def get(self, db: Database) -> Tree:
        if self._tree is None or time.monotonic() - self._loaded > self._ttl:
            async with db.read() as s:
                self._tree = await read_tree(s)
            self._loaded = time.monotonic()
        return self._tree

    def invalidate(self) -> None:
        self._tree = None


async def tree_of(s: AsyncSession) -> Tree:
    """The tree the transaction was given (the app's cached one), or read once for it."""
    tree: Tree | None = s.info.get(TREE_INFO)
    if tree is None:
        tree = s.info[TREE_INFO] = await read_tree(s)
    return tree


def above(tree: Tree, agency_ids: Iterable[int]) -> set[int]:
    """The agencies strictly above any of ``agency_ids``."""
    found: set[int] = set()
    for agency_id in agency_ids:
        parent = tree.get(agency_id)
        while parent is not None and parent not in found:
            found.add(parent)
            parent = tree.get(parent)
    return found


def with_above(tree: Tree, agency_ids: Iterable[int]) -> set[int]:
    """``agency_ids`` and every agency above them: whose supervisors oversee them."""
    chosen = set(agency_ids)
    return chosen | above(tree, chosen)


async def overseers(s: AsyncSession, agency_ids: Iterable[int], *roles: str) -> list[int]:
    """Active people holding one of ``roles`` in these agencies or any agency above them."""
    return await people_with_role(s, with_above(await tree_of(s), agency_ids), *roles)


# --- what routing reads on every send (kept in the directory cache, ``hub.cache``) -----------------


@dataclass(frozen=True)
class AgencyFacts:
    id: int
    name: str
    kind: str
    active: bool
    host_agency_id: int | None
    area_id: int | None


async def agency_facts(s: AsyncSession) -> Mapping[int, AgencyFacts]:
    """Every agency's name, kind and place, by id."""

    async def load() -> dict[int, AgencyFacts]:
        rows = await s.execute(
            select(Agency.id, Agency.name, Agency.kind, Agency.active, Agency.host_agency_id, Agency.area_id)
        )
        return {row[0]: AgencyFacts(*row) for row in rows.all()}

    return await cached(s, "agency_facts", load)


async def area_parents(s: AsyncSession) -> Mapping[int, int | None]:
    """Area id -> parent id."""

    async def load() -> dict[int, int | None]:
        return {area: parent for area, parent in (await s.execute(select(Area.id, Area.parent_id))).all()}

    return await cached(s, "area_parents", load)


# --- agencies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyInput:
    code: str
    name: str
    kind: str
    parent_id: int | None = None
    host_agency_id: int | None = None
    area_id: int | None = None
    specialties: tuple[str, ...] = ()
    phone: str = ""
    address: str = ""

    def __post_init__(self) -> None:
        if self.kind not in AgencyKind.__members__:
            raise ValidationFailed(N_("Unknown agency kind."))
        unknown = [s for s in self.specialties if s not in Specialty.__members__]
        if unknown:
            raise ValidationFailed(N_("Unknown specialty: %(name)s"), name=", ".join(unknown))


async def list_agencies(s: AsyncSession, *, kind: str | None = None) -> Sequence[Agency]:
    query = select(Agency).order_by(Agency.kind, Agency.code)
    if kind:
        query = query.where(Agency.kind == kind)
    return (await s.scalars(query)).all()


async def get_agency(s: AsyncSession, agency_id: int) -> Agency:
    agency = await s.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    return agency


async def create_agency(s: AsyncSession, actor: audit.Actor, data: AgencyInput) -> Agency:
    if await s.scalar(select(Agency.id).where(Agency.code == data.code)):
        raise Conflict(N_("An agency with code %(code)s already exists."), code=data.code)
    for ref in (data.parent_id, data.host_agency_id):
        if ref is not None:
            await get_agency(s, ref)
    if data.area_id is not None and await s.get(Area, data.area_id) is None:
        raise ValidationFailed(N_("Unknown area."))
    agency = Agency(
        code=data.code,
        name=data.name,
        kind=data.kind,
        parent_id=data.parent_id,
        host_agency_id=data.host_agency_id,
        area_id=data.area_id,
        phone=data.phone,
        address=data.address,
        specialties=[AgencySpecialty(specialty=sp) for sp in sorted(set(data.specialties))],
    )
    s.add(agency)
    await s.flush()
    await audit.record(
        s, actor, "agency.created", "agency", agency.id, {"code": data.code, "name": data.name}
    )
    return agency


# --- people -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserInput:
    username: str
    display_name: str
    agency_id: int
    roles: tuple[str, ...]
    password_hash: str
    locale: str = "zh_CN"
    phone: str = ""
    email: str = ""
    is_superuser: bool = False

    def __post_init__(self) -> None:
        unknown = [r for r in self.roles if r not in Role.__members__]
        if unknown:
            raise ValidationFailed(N_("Unknown role: %(name)s"), name=", ".join(unknown))
        if not self.roles and not self.is_superuser:
            raise ValidationFailed(N_("Give the person at least one role."))


async def list_users(s: AsyncSession, agency_ids: frozenset[int] | None) -> Sequence[User]:
    query = select(User).options(joinedload(User.agency)).order_by(User.agency_id, User.username)
    if agency_ids is not None:
        query = query.where(User.agency_id.in_(agency_ids))
    return (await s.scalars(query)).unique().all()


async def get_user(s: AsyncSession, user_id: int) -> User:
    user = await s.get(User, user_id, options=[joinedload(User.agency)])
    if user is None:
        raise NotFound()
    return user


async def find_user(s: AsyncSession, username: str) -> User:
    user = await s.scalar(select(User).options(joinedload(User.agency)).where(User.username == username))
    if user is None:
        raise NotFound(N_("No user named %(name)s."), name=username)
    return user


async def create_user(s: AsyncSession, actor: audit.Actor, data: UserInput) -> User:
    if await s.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(N_("The username %(name)s is taken."), name=data.username)
    await get_agency(s, data.agency_id)
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=data.password_hash,
        agency_id=data.agency_id,
        locale=data.locale,
        phone=data.phone,
        email=data.email,
        is_superuser=data.is_superuser,
        roles=[UserRole(role=r) for r in sorted(set(data.roles))],
    )
    s.add(user)
    await s.flush()
    await audit.record(
        s,
        actor,
        "user.created",
        "user",
        user.id,
        {"username": data.username, "agency_id": data.agency_id, "roles": sorted(data.roles)},
    )
    return await get_user(s, user.id)


async def update_user(
    s: AsyncSession,
    actor: audit.Actor,
    user: User,
    *,
    display_name: str | None = None,
    roles: Sequence[str] | None = None,
    active: bool | None = None,
    locale: str | None = None,
) -> User:
    changes: dict[str, object] = {}
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        changes["display_name"] = display_name
    if roles is not None and sorted(set(roles)) != user.role_names:
        UserInput(user.username, user.display_name, user.agency_id, tuple(roles), "")  # validates roles
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        changes["roles"] = sorted(set(roles))
    if active is not None and active != user.active:
        user.active = active
        changes["active"] = active
    if locale is not None and locale != user.locale:
        user.locale = locale
        changes["locale"] = locale
    if changes:
        await s.flush()
        await audit.record(s, actor, "user.updated", "user", user.id, changes)
    return user


async def set_password(
    s: AsyncSession, actor: audit.Actor, user: User, password_hash: str, now: datetime
) -> None:
    """A new password ends every session and API token the person had: whoever knew the old one
    (the reason for a reset, often) keeps no way in."""
    user.password_hash = password_hash
    ended = await s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    revoked = await s.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await s.flush()
    await audit.record(
        s,
        actor,
        "user.password_set",
        "user",
        user.id,
        {"sessions_ended": _count(ended), "tokens_revoked": _count(revoked)},
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- API tokens ---------------------------------------------------------------------------------


async def create_token(
    s: AsyncSession, actor: audit.Actor, user: User, name: str, expires_at: datetime | None = None
) -> tuple[str, ApiToken]:
    """Create a token acting as ``user`` for ``user``'s agency. The clear token is returned once."""
    token = new_token("gt_")
    row = ApiToken(
        agency_id=user.agency_id,
        user_id=user.id,
        name=name,
        token_hash=token_hash(token),
        prefix=token[:10],
        created_by_id=actor.user_id,
        expires_at=expires_at,
    )
    s.add(row)
    await s.flush()
    await audit.record(
        s,
        actor,
        "token.created",
        "api_token",
        row.id,
        {"user_id": user.id, "agency_id": user.agency_id, "name": name},
    )
    return token, row


async def list_tokens(s: AsyncSession, agency_ids: frozenset[int] | None) -> Sequence[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.agency_id, ApiToken.id)
    if agency_ids is not None:
        query = query.where(ApiToken.agency_id.in_(agency_ids))
    return (await s.scalars(query)).all()


async def get_token(s: AsyncSession, token_id: int) -> ApiToken:
    row = await s.get(ApiToken, token_id)
    if row is None:
        raise NotFound()
    return row


async def revoke_token(s: AsyncSession, actor: audit.Actor, row: ApiToken, now: datetime) -> ApiToken:
    if row.revoked_at is None:
        row.revoked_at = now
        await s.flush()
        await audit.record(s, actor, "token.revoked", "api_token", row.id)
    return row


async def list_areas(s: AsyncSession) -> Sequence[Area]:
    return (await s.scalars(select(Area).order_by(Area.code))).all()
