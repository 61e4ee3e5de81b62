"""``hub.bulk`` writes the rows ``insert(table)`` writes, in one statement on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from hub import bulk
from hub.db import Database
from hub.orm import UTCDateTime

pytestmark = pytest.mark.pg

SHANGHAI = timezone(timedelta(hours=8))
META = MetaData()
# Every kind of column the batch import writes, defaults of each sort, and a unique one.
ROWS = Table(
    "bulk_rows",
    META,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True),
    Column("note", Text, default=""),
    Column("flag", Boolean, default=False),
    Column("amount", Numeric(14, 2)),
    Column("born", Date),
    Column("at", UTCDateTime(), default=lambda: datetime(2026, 1, 1, tzinfo=UTC)),
    Column("data", JSON, default=dict),
    Column("kind", String(8), server_default=text("'plain'")),
)


def rows(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{prefix}王小明",
            "amount": Decimal("24000.50"),
            "born": date(1990, 3, 7),
            "at": datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI),
            "data": {"rule": "派出所", "n": [1, None]},
        },
        {"name": f'{prefix}李"引号\\', "amount": None, "born": None, "at": None, "data": {}},
    ]


async def read(db: Database, prefix: str) -> list[tuple[Any, ...]]:
    async with db.read() as s:
        found = await s.execute(
            select(*(c for c in ROWS.columns if c.key != "id"))
            .where(ROWS.c.name.like(f"{prefix}%"))
            .order_by(ROWS.c.id)
        )
        return [tuple(r) for r in found.all()]


async def test_rows_written_in_bulk_read_back_as_those_written_one_by_one(db: Database) -> None:
    async with db.write() as s:
        await s.run_sync(lambda sync: META.create_all(sync.connection()))
    async with db.write() as s:
        await s.execute(insert(ROWS), rows("plain "))
        await bulk.insert_rows(s, ROWS, rows("bulk "))
        await bulk.insert_rows(s, ROWS, [])
        await bulk.insert_columns(
            s, ROWS, {"name": ["by column 张三", "by column 李四"], "flag": [True, False]}
        )
    plain, written = await read(db, "plain "), await read(db, "bulk ")
    assert [r[1:] for r in written] == [r[1:] for r in plain]
    assert written[0][5] == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # stored as the same instant
    assert written[1][6] == {} and written[1][7] == "plain"
    assert [(r[0], r[2]) for r in await read(db, "by column")] == [
        ("by column 张三", True),
        ("by column 李四", False),
    ]


async def test_a_duplicate_fails_as_any_insert_does_and_wrong_input_is_refused(db: Database) -> None:
    async with db.write() as s:
        await s.run_sync(lambda sync: META.create_all(sync.connection()))
    with pytest.raises(IntegrityError):
        async with db.write() as s:
            await bulk.insert_rows(s, ROWS, [{"name": "twice"}, {"name": "twice"}])
    async with db.write() as s:
        with pytest.raises(ValueError, match="no columns"):
            await bulk.insert_rows(s, ROWS, [{"name": "x", "colour": "red"}])
        with pytest.raises(ValueError, match="different lengths"):
            await bulk.insert_columns(s, ROWS, {"name": ["a", "b"], "flag": [True]})
