"""Settings the hub gives its PostgreSQL connections."""

import pytest
from sqlalchemy import text

from hub.db import Database

pytestmark = pytest.mark.pg_only


async def test_postgresql_connections_run_without_jit(db: Database) -> None:
    async with db.read() as s:
        assert (await s.execute(text("SHOW jit"))).scalar() == "off"
