"""Alembic environment: runs migrations on the app's async engine (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from hub.db import make_engine
from hub.orm import Base, UTCDateTime
from hub.plugins import load_models

load_models()
target_metadata = Base.metadata
config = context.config


def _render_item(kind: str, obj: Any, _ctx: AutogenContext) -> str | Literal[False]:
    # Migrations use plain SQLAlchemy types so they never depend on the app's code.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `gongtiao db upgrade`")
asyncio.run(_main())
