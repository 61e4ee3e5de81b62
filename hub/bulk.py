"""Many rows into one table at once: for batch imports.

SQLAlchemy's ``execute(insert(table), rows)`` without RETURNING is the driver's executemany, and
asyncpg's runs the INSERT once per row: PostgreSQL pays a statement's executor start and end per
row, and SQLAlchemy builds each row's parameters (a batch of 500 cases writes about 20,000
search-piece rows). On PostgreSQL ``insert_columns`` sends the rows with ``COPY ... FROM STDIN
(FORMAT binary)`` on the session's connection, in its transaction: one round trip, each value
encoded once by asyncpg's codecs, the table's defaults, constraints and triggers applied as by an
INSERT. (An ``INSERT ... SELECT unnest($1::int[], ...)`` of one array per column costs the
database half as much as executemany too, but asyncpg's array encoder checks every element
against the ``collections.abc`` classes: about 1 µs of the hub's CPU per row of two columns,
against 0.25 µs for COPY.) Elsewhere (SQLite) it is the plain executemany.

The rows are those ``insert(table)`` would write: columns left out get their Python-side defaults
(a SQL default or a sequence is left to the database), values go through the columns' bind
processing (``hub.orm.UTCDateTime``, JSON), and a failure is SQLAlchemy's ``IntegrityError`` or
``DBAPIError`` as for any statement (so ``hub.db.retrying`` and the callers' handlers see it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Table, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


def _default(column: Column[Any]) -> Callable[[], Any] | None:
    """How a column left out is filled, as ``insert`` would (None: by the database)."""
    default: Any = column.default
    if default is None:
        return None
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)  # wrapped by SQLAlchemy to take an execution context
    return None


def _known(table: Table, names: Iterable[str]) -> None:
    unknown = set(names) - set(table.columns.keys())
    if unknown:  # insert() would leave them out without a word
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")


async def insert_columns(s: AsyncSession, table: Table, columns: Mapping[str, Sequence[Any]]) -> None:
    """Insert rows given column by column (equal lengths) into ``table``, in the session's
    transaction: one COPY on PostgreSQL."""
    _known(table, columns)
    count = {len(values) for values in columns.values()}
    if len(count) > 1:
        raise ValueError(f"{table.name}: columns of different lengths {sorted(count)}")
    if not count or not count.pop():
        return
    dialect = s.get_bind().dialect
    if dialect.name != "postgresql":
        keys = list(columns)
        rows = zip(*columns.values(), strict=True)
        await s.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    size = len(next(iter(columns.values())))
    names: list[str] = []
    arrays: list[Sequence[Any]] = []
    for column in table.columns:
        values: Sequence[Any]
        if column.key in columns:
            values = columns[column.key]
        elif (fill := _default(column)) is not None:
            values = [fill() for _ in range(size)]
        else:
            continue
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:  # JSON: its text, as SQLAlchemy's asyncpg codec takes it
            values = [process(v) for v in values]
        names.append(column.name)
        arrays.append(values)
    await _copy(s, table.name, names, zip(*arrays, strict=True))


async def _copy(s: AsyncSession, table: str, names: list[str], records: Iterable[tuple[Any, ...]]) -> None:
    import asyncpg

    connection = await s.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection  # asyncpg's
    if not driver.is_in_transaction():  # SQLAlchemy's adapter sends BEGIN with the first statement
        await s.execute(text("SELECT 1"))
    try:
        await driver.copy_records_to_table(table, records=records, columns=names)
    except asyncpg.PostgresError as exc:
        statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
            raise IntegrityError(statement, None, exc) from exc
        raise DBAPIError(statement, None, exc) from exc


async def insert_rows(s: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """The same for rows as dicts, each with the same keys."""
    if not rows:
        return
    _known(table, rows[0])
    if s.get_bind().dialect.name != "postgresql":
        await s.execute(insert(table), list(rows))
        return
    await insert_columns(s, table, {k: [row[k] for row in rows] for k in rows[0]})
