"""The Alembic history builds exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.db import Database
from hub.orm import Base
from hub.plugins import load_models

pytestmark = pytest.mark.pg


async def test_migrations_match_the_models(db: Database) -> None:
    load_models()

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == []
