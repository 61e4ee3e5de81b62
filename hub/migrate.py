"""Schema migrations (Alembic), driven from code so no alembic.ini has to be found on disk.

The core's history lives in ``hub/migrations/versions``; each domain package may bring its own
``migrations`` folder (a branch that depends on the core), found through the plugin registry.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from hub.plugins import migration_dirs

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *(str(d) for d in migration_dirs())]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database to the newest schema. Blocking: call from a thread inside a loop."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str) -> None:
    # env.py runs its own event loop, so it must not run on ours.
    await asyncio.to_thread(upgrade, database_url)
