"""Who is asking: browser sessions, API tokens, login and logout. No HTTP in here.

Browsers carry a random session key in an HttpOnly cookie; the database stores only its SHA-256.
Systems carry ``Authorization: Bearer gt_...`` tokens that belong to a user of their agency.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from hub import audit
from hub.cache import QUIET, cached
from hub.db import Database
from hub.errors import InvalidCredentials, RateLimited
from hub.models import Agency, ApiToken, User, UserRole, WebSession
from hub.passwords import verify_password
from hub.permissions import Principal
from hub.ratelimit import LoginThrottle
from hub.secrets_util import new_token, token_hash

logger = logging.getLogger(__name__)

API_TOKEN_PREFIX = "gt_"
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


# The agency's name and kind, without its specialties (a selectin load nobody here reads).
_AGENCY = joinedload(User.agency).raiseload(Agency.specialties)


def principal_of(user: User, via: str = "session") -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        agency_name=user.agency.name,
        agency_kind=user.agency.kind,
        roles=frozenset(user.role_names),
        is_superuser=user.is_superuser,
        locale=user.locale,
        via=via,
    )


async def principal_from_session(db: Database, key: str, now: datetime) -> Principal | None:
    """The session's principal: the session row alone (its user and expiry), then the user's
    principal from the directory cache (dropped whenever people, roles or agencies change)."""
    async with db.read() as s:
        row = (
            await s.execute(
                select(WebSession.user_id, WebSession.expires_at).where(
                    WebSession.key_hash == token_hash(key)
                )
            )
        ).first()
        if row is None or row.expires_at <= now:
            return None
        user_id = row.user_id
        return await cached(s, ("user", user_id), lambda: _user_principal(s, user_id))


def _principal_select() -> Select[*tuple[Any, ...]]:
    """A user with the agency's name and kind and one row per role (none: one row, role NULL)."""
    return (
        select(
            User.id,
            User.username,
            User.display_name,
            User.agency_id,
            User.active,
            User.is_superuser,
            User.locale,
            Agency.name,
            Agency.kind,
            UserRole.role,
        )
        .join(Agency, Agency.id == User.agency_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
    )


def _principal_from_rows(rows: Sequence[Any], via: str) -> Principal | None:
    """``rows``: of ``_principal_select`` (maybe with more columns); None for an inactive user."""
    first = rows[0]
    if not first.active:
        return None
    return Principal(
        user_id=first.id,
        username=first.username,
        display_name=first.display_name,
        agency_id=first.agency_id,
        agency_name=first.name,
        agency_kind=first.kind,
        roles=frozenset(r.role for r in rows if r.role is not None),
        is_superuser=first.is_superuser,
        locale=first.locale,
        via=via,
    )


async def _user_principal(s: AsyncSession, user_id: int) -> Principal | None:
    rows = (await s.execute(_principal_select().where(User.id == user_id))).all()
    return _principal_from_rows(rows, "session") if rows else None


@dataclass
class _TokenEntry:
    """What a token stands for, as the directory cache keeps it (``hub.cache``)."""

    token_id: int
    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None


async def _token_entry(s: AsyncSession, digest: str) -> _TokenEntry | None:
    """One query: the token, its user, the user's agency and roles (a row per role)."""
    rows = (
        await s.execute(
            _principal_select()
            .add_columns(
                ApiToken.id.label("token_id"),
                ApiToken.revoked_at,
                ApiToken.expires_at,
                ApiToken.last_used_at,
            )
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == digest)
        )
    ).all()
    if not rows or rows[0].revoked_at is not None:
        return None
    principal = _principal_from_rows(rows, "token")
    if principal is None:
        return None
    first = rows[0]
    return _TokenEntry(first.token_id, principal, first.expires_at, first.last_used_at)


async def principal_from_token(db: Database, token: str, now: datetime) -> Principal | None:
    """The token's principal. Kept in the directory cache (dropped whenever tokens, people, roles
    or agencies change, in any process); ``last_used_at`` written at most once a minute."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    digest = token_hash(token)
    async with db.read() as s:
        entry = await cached(s, ("token", digest), lambda: _token_entry(s, digest))
    if entry is None:
        return None
    if entry.expires_at is not None and entry.expires_at <= now:
        return None
    if entry.last_used_at is None or now - entry.last_used_at > TOKEN_TOUCH_INTERVAL:
        entry.last_used_at = now
        async with db.write() as s:
            await s.execute(
                update(ApiToken)
                .where(ApiToken.id == entry.token_id)
                .values(last_used_at=now)
                .execution_options(**{QUIET: True})  # a touch, not a change of who may do what
            )
    return entry.principal


async def login(
    db: Database,
    limiter: LoginThrottle,
    *,
    username: str,
    password: str,
    ip: str,
    user_agent: str,
    now: datetime,
    session_hours: int,
) -> tuple[str, Principal]:
    """Check the password and open a session. Returns the cookie key and the principal."""
    username = username.strip()
    clock = now.timestamp()
    wait = limiter.retry_after(username, ip, clock)
    if wait:
        raise RateLimited(seconds=wait)
    async with db.read() as s:
        user = await s.scalar(select(User).options(_AGENCY).where(User.username == username))
    ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        limiter.fail(username, ip, clock)
        logger.info("login failed", extra={"username": username, "ip": ip})
        raise InvalidCredentials()
    limiter.succeed(username, ip)
    key = new_token()
    async with db.write() as s:
        s.add(
            WebSession(
                key_hash=token_hash(key),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(hours=session_hours),
                user_agent=user_agent[:300],
                ip=ip[:64],
            )
        )
        await s.execute(update(User).where(User.id == user.id).values(last_login_at=now))
        await audit.record(s, audit.Actor(user.id, user.agency_id), "auth.login", "user", user.id, {"ip": ip})
    return key, principal_of(user)


async def logout(db: Database, key: str, principal: Principal | None) -> None:
    async with db.write() as s:
        await s.execute(delete(WebSession).where(WebSession.key_hash == token_hash(key)))
        if principal is not None:
            await audit.record(s, principal.actor, "auth.logout", "user", principal.user_id)


async def purge_expired_sessions(db: Database, now: datetime) -> int:
    async with db.write() as s:
        result = await s.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
