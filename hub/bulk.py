"""Many rows into one table in one statement: for batch imports.

SQLAlchemy's ``execute(insert(table), rows)`` without RETURNING is the driver's executemany, and
asyncpg's runs the INSERT once per row: PostgreSQL pays a statement's executor start and end per
row, and SQLAlchemy builds each row's parameters (a batch of 500 cases writes about 20,000
search-piece rows). On PostgreSQL ``insert_columns`` sends each column as one array instead,
``INSERT INTO t (a, b) SELECT * FROM unnest($1::int[], $2::varchar[])``: one statement whose text
does not depend on the number of rows, so it is prepared once per column set. Elsewhere (SQLite)
it is the plain executemany.

The rows are those ``insert(table)`` would write: columns left out get their Python-side defaults
(a SQL default or a sequence is left to the database), and values go through the columns' bind
processing (``hub.orm.UTCDateTime``, JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Column, Table, insert, text
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
    transaction: one statement on PostgreSQL."""
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
    quote = dialect.identifier_preparer.quote
    names: list[str] = []
    arrays: dict[str, list[Any]] = {}
    casts: list[str] = []
    selected: list[str] = []
    for column in table.columns:
        if column.key in columns:
            values = list(columns[column.key])
        elif (fill := _default(column)) is not None:
            values = [fill() for _ in range(size)]
        else:
            continue
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            values = [process(v) for v in values]
        n = len(names) + 1
        sql_type = column.type.compile(dialect=dialect)
        names.append(quote(column.name))
        arrays[f"c{n}"] = values
        if isinstance(column.type, JSON):  # serialised by its bind processor: text, cast back
            casts.append(f"CAST(:c{n} AS TEXT[])")
            selected.append(f"CAST(t.c{n} AS {sql_type})")
        else:
            casts.append(f"CAST(:c{n} AS {sql_type}[])")
            selected.append(f"t.c{n}")
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(names)}) "  # noqa: S608 (names from the table)
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(casts)}) "
        f"AS t({', '.join(f'c{n}' for n in range(1, len(names) + 1))})"
    )
    await s.execute(text(sql), arrays)


async def insert_rows(s: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """The same for rows as dicts, each with the same keys."""
    if not rows:
        return
    _known(table, rows[0])
    if s.get_bind().dialect.name != "postgresql":
        await s.execute(insert(table), list(rows))
        return
    await insert_columns(s, table, {k: [row[k] for row in rows] for k in rows[0]})
