"""Who is asking: browser sessions, API tokens, login and logout. No HTTP in here.

Browsers carry a random session key in an HttpOnly cookie; the database stores only its SHA-256.
Systems carry ``Authorization: Bearer gt_...`` tokens that belong to a user of their agency.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from hub import audit
from hub.db import Database
from hub.errors import InvalidCredentials, RateLimited
from hub.models import ApiToken, User, WebSession
from hub.passwords import verify_password
from hub.permissions import Principal
from hub.ratelimit import LoginThrottle
from hub.secrets_util import new_token, token_hash

logger = logging.getLogger(__name__)

API_TOKEN_PREFIX = "gt_"
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


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
    async with db.read() as s:
        row = (
            await s.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .options(joinedload(User.agency))
                .where(WebSession.key_hash == token_hash(key))
            )
        ).first()
    if row is None:
        return None
    web_session, user = row
    if web_session.expires_at <= now or not user.active:
        return None
    return principal_of(user)


async def principal_from_token(db: Database, token: str, now: datetime) -> Principal | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    async with db.read() as s:
        row = (
            await s.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .options(joinedload(User.agency))
                .where(ApiToken.token_hash == token_hash(token))
            )
        ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at is not None or not user.active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_TOUCH_INTERVAL:
        async with db.write() as s:
            await s.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return principal_of(user, via="token")


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
        user = await s.scalar(select(User).options(joinedload(User.agency)).where(User.username == username))
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
