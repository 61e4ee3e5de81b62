"""Writers wait instead of failing: what counts as a transient database failure, and the retry."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from hub.db import retrying, transient


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_locks_deadlocks_and_serialisation_failures_are_transient_and_nothing_else() -> None:
    assert transient(OperationalError("BEGIN", {}, Exception("database is locked")))
    assert transient(OperationalError("UPDATE", {}, _PgError("40001")))
    assert transient(OperationalError("UPDATE", {}, _PgError("40P01")))
    assert not transient(IntegrityError("INSERT", {}, _PgError("23505")))
    assert not transient(OperationalError("SELECT", {}, Exception("no such table: cases")))
    assert not transient(ValueError("database is locked"))


async def test_a_transient_failure_runs_again_and_a_lasting_one_is_raised() -> None:
    calls = 0

    async def busy_twice() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return "done"

    assert await retrying(busy_twice) == "done" and calls == 3

    async def always_busy() -> str:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    with pytest.raises(OperationalError):
        await retrying(always_busy, attempts=2)
