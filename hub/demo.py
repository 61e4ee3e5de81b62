"""Loads the demo district once (areas, agencies, people), then each domain package's demo step.

The core part runs in one write transaction with one audit row and marks itself done with the
``demo.core`` setting, so ``gongtiao demo`` may run on every start: later runs only read back the codes
and ids that domain packages build on (``DemoContext.agencies``, ``users``, ``areas``).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.audit_chain import link_pending
from hub.db import Database
from hub.demo_context import DemoContext, DemoLogin
from hub.demo_data import AGENCIES, AGENCY_NAMES, AREAS, DEMO_PASSWORD, USERS
from hub.models import Agency, AgencySpecialty, Area, Setting, User, UserRole
from hub.passwords import hash_password
from hub.plugins import plugins

logger = logging.getLogger(__name__)

SETTING_KEY = "demo.core"


async def load_core_demo(ctx: DemoContext) -> bool:
    """Insert the demo district unless it is there already; True when this call inserted it.

    Either way ``ctx`` ends up holding the codes -> ids of every area, agency and user, and the
    demo logins worth printing.
    """
    async with ctx.db.read() as s:
        loaded = await _is_loaded(s)
    if not loaded:
        # Hashed once, before taking the write lock: argon2 is slow on purpose.
        password_hash = await hash_password(DEMO_PASSWORD)
        async with ctx.db.write() as s:
            # Asked again under the write lock: another process may have loaded it meanwhile.
            if not await _is_loaded(s):
                await _insert(s, ctx, password_hash)
                inserted = True
            else:
                inserted = False
        if inserted:
            _add_logins(ctx)
            logger.info("demo district loaded: %d agencies, %d users", len(ctx.agencies), len(ctx.users))
            return True
    async with ctx.db.read() as s:
        await _read_codes(s, ctx)
    _add_logins(ctx)
    return False


async def run_demo(db: Database, now: datetime, data_dir: Path | None = None) -> DemoContext:
    """The core's demo district, then every plugin's demo step in plugin order."""
    ctx = DemoContext(db=db, now=now, data_dir=data_dir)
    await load_core_demo(ctx)
    for plugin in plugins():
        if plugin.demo is not None:
            await plugin.demo(ctx)
    await link_pending(db, wait=True)  # the demo's audit chain whole, as a served hub leaves it
    return ctx


def format_logins(ctx: DemoContext) -> str:
    """The demo logins as an aligned plain-text table (CJK characters count two columns)."""
    header = ("用户名 Username", "密码 Password", "角色 Role", "单位 Agency", "说明 Note")
    rows = [header] + [(x.username, x.password, x.role, x.agency, x.note) for x in ctx.logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=False)]
        return "  ".join([*cells, row[-1]]).rstrip()

    out = ["演示账号 / Demo logins", "", line(header), "  ".join("-" * w for w in [*widths, 20])]
    out += [line(row) for row in rows[1:]] or ["(无 / none)"]
    out += ["", f"所有演示账号密码均为 {DEMO_PASSWORD} / every demo login uses the password {DEMO_PASSWORD}"]
    return "\n".join(out)


# --- inside ---------------------------------------------------------------------------------------


async def _is_loaded(s: AsyncSession) -> bool:
    return await s.scalar(select(Setting.id).where(Setting.key == SETTING_KEY)) is not None


def _ref(ids: Mapping[str, int], code: str | None) -> int | None:
    return None if code is None else ids[code]


async def _insert(s: AsyncSession, ctx: DemoContext, password_hash: str) -> None:
    # Parents before children: each round inserts what only refers to rows already flushed.
    pending_areas = list(AREAS)
    while pending_areas:
        ready = [a for a in pending_areas if a.parent is None or a.parent in ctx.areas]
        if not ready:
            raise ValueError(f"demo areas with unknown parents: {[a.code for a in pending_areas]}")
        area_rows = [
            Area(code=a.code, name=a.name, level=str(a.level), parent_id=_ref(ctx.areas, a.parent))
            for a in ready
        ]
        s.add_all(area_rows)
        await s.flush()
        ctx.areas.update({row.code: row.id for row in area_rows})
        pending_areas = [a for a in pending_areas if a.code not in ctx.areas]

    pending = list(AGENCIES)
    while pending:
        ready_agencies = [
            a
            for a in pending
            if (a.parent is None or a.parent in ctx.agencies) and (a.host is None or a.host in ctx.agencies)
        ]
        if not ready_agencies:
            raise ValueError(f"demo agencies with unknown parents: {[a.code for a in pending]}")
        agency_rows = [
            Agency(
                code=a.code,
                name=a.name,
                kind=str(a.kind),
                parent_id=_ref(ctx.agencies, a.parent),
                host_agency_id=_ref(ctx.agencies, a.host),
                area_id=_ref(ctx.areas, a.area),
                phone=a.phone,
                address=a.address,
                created_at=ctx.now,
                specialties=[AgencySpecialty(specialty=str(sp)) for sp in a.specialties],
            )
            for a in ready_agencies
        ]
        s.add_all(agency_rows)
        await s.flush()
        ctx.agencies.update({row.code: row.id for row in agency_rows})
        pending = [a for a in pending if a.code not in ctx.agencies]

    user_rows = [
        User(
            username=u.username,
            display_name=u.display_name,
            password_hash=password_hash,
            agency_id=ctx.agencies[u.agency],
            is_superuser=u.is_superuser,
            created_at=ctx.now,
            roles=[UserRole(role=str(r)) for r in u.roles],
        )
        for u in USERS
    ]
    s.add_all(user_rows)
    await s.flush()
    ctx.users.update({row.username: row.id for row in user_rows})

    await audit.record(
        s,
        audit.SYSTEM,
        "demo.loaded",
        "installation",
        "core",
        {"agencies": len(ctx.agencies), "users": len(ctx.users), "areas": len(ctx.areas)},
    )
    s.add(Setting(key=SETTING_KEY, value=ctx.now.isoformat()))


async def _read_codes(s: AsyncSession, ctx: DemoContext) -> None:
    ctx.areas.update({code: id_ for code, id_ in (await s.execute(select(Area.code, Area.id))).all()})
    ctx.agencies.update({code: id_ for code, id_ in (await s.execute(select(Agency.code, Agency.id))).all()})
    ctx.users.update({name: id_ for name, id_ in (await s.execute(select(User.username, User.id))).all()})


def _add_logins(ctx: DemoContext) -> None:
    listed = {x.username for x in ctx.logins}
    for u in USERS:
        if u.note and u.username in ctx.users and u.username not in listed:
            role = ",".join(str(r) for r in u.roles) + (" (superuser)" if u.is_superuser else "")
            ctx.logins.append(DemoLogin(u.username, DEMO_PASSWORD, role, AGENCY_NAMES[u.agency], u.note))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
