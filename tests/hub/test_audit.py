"""The audit log is a hash chain, linked after commit by one chainer, that `gongtiao audit verify`
checks end to end."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub import audit, audit_chain
from hub.audit import AuditEvent, AuditLink
from hub.config import Config
from hub.db import Database
from hub.keys import DB
from tests.support.env import clean_env

pytestmark = pytest.mark.pg


def gongtiao_audit(config: Config, command: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        GONGTIAO_DATABASE_URL=config.database_url,
        GONGTIAO_SECRET_KEY=config.secret_key,
        GONGTIAO_DATA_DIR=str(config.data_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "hub", "audit", command], env=env, capture_output=True, text=True, timeout=60
    )


async def newest_ids(db: Database, n: int) -> list[int]:
    async with db.read() as s:
        rows = await s.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(n))
        return sorted(rows)


async def link_of(db: Database, event_id: int) -> AuditLink | None:
    async with db.read() as s:
        return await s.get(AuditLink, event_id)


async def unlinked(db: Database) -> int:
    async with db.read() as s:
        count = await s.scalar(
            select(func.count(AuditEvent.id)).where(~AuditEvent.id.in_(select(AuditLink.event_id)))
        )
    return count or 0


async def link_all(db: Database) -> int:
    """Link until nothing is left; return how many were linked. On PostgreSQL the chainer's horizon
    is the oldest write transaction open in the whole cluster, and the tests' cluster is shared by
    xdist's workers (a database each): another worker's open transaction may hold it back a moment."""
    linked = 0
    for _ in range(200):
        linked += await audit_chain.link_pending(db)
        if await unlinked(db) == 0:
            break
        await asyncio.sleep(0.05)
    return linked


async def test_rows_are_written_unlinked_and_the_chainer_links_each_to_the_row_before(db: Database) -> None:
    await audit_chain.link_pending(db, wait=True)  # the demo's rows
    async with db.write() as s:
        await audit.record(s, audit.SYSTEM, "test.one", "thing", 1, {"名字": "王芳"})
        await audit.record(s, audit.Actor(user_id=None, agency_id=None), "test.two", "thing", 2)
    first, second = await newest_ids(db, 2)
    assert await link_of(db, second) is None
    async with db.read() as s:
        waiting = await audit.verify_chain(s)
    assert waiting.ok and (waiting.pending, waiting.pending_from) == (2, first)  # a tail: fine

    assert await link_all(db) == 2
    one, two = await link_of(db, first), await link_of(db, second)
    assert one is not None and two is not None and two.prev_hash == one.hash
    async with db.read() as s:
        event = await s.get(AuditEvent, second)
        assert event is not None and audit.row_hash(one.hash, event) == two.hash  # the formula as before
        report = await audit.verify_chain(s)
    assert report.ok and report.pending == 0 and report.rows >= 2


async def test_a_row_left_out_between_linked_rows_breaks_the_chain(db: Database) -> None:
    await audit_chain.link_pending(db, wait=True)
    async with db.write() as s:
        for n in (1, 2):
            await audit.record(s, audit.SYSTEM, "test.gap", "thing", n)
    skipped, later = await newest_ids(db, 2)
    async with db.write() as s:  # a forged link for the second row only
        head = await s.scalar(select(AuditLink.hash).order_by(AuditLink.event_id.desc()).limit(1))
        event = await s.get(AuditEvent, later)
        assert head is not None and event is not None
        forged = {"event_id": later, "prev_hash": head, "hash": audit.row_hash(head, event)}
        await s.execute(insert(audit.LINKS).values(forged))
    async with db.read() as s:
        report = await audit.verify_chain(s)
    assert (report.ok, report.broken_id) == (False, skipped)


async def test_the_database_refuses_to_edit_audit_rows_and_links(db: Database) -> None:
    await audit_chain.link_pending(db, wait=True)
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_links"):
        with pytest.raises((IntegrityError, DBAPIError)):
            async with db.write() as s:
                await s.execute(text(statement))


async def test_verify_passes_untouched_and_names_the_edited_row(db: Database, config: Config) -> None:
    async with db.write() as s:
        await audit.record(s, audit.SYSTEM, "test.tail", "thing", 1)
    waiting = gongtiao_audit(config, "verify")
    assert waiting.returncode == 0, waiting.stderr
    assert "intact" in waiting.stdout and "not yet linked" in waiting.stdout
    linked = gongtiao_audit(config, "link")
    assert linked.returncode == 0 and "linked" in linked.stdout
    async with db.read() as s:
        report = await audit.verify_chain(s)
    assert report.ok and report.pending == 0

    async with db.read() as s:
        ids = (await s.scalars(select(AuditEvent.id).order_by(AuditEvent.id))).all()
    victim = ids[len(ids) // 2] if len(ids) > 1 else ids[0]
    # Someone with direct database access removes the guard and edits a row behind the app's back.
    async with db.write() as s:
        if db.is_sqlite:
            await s.execute(text("DROP TRIGGER audit_events_no_update"))
        else:
            await s.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        await s.execute(text("UPDATE audit_events SET object_id = 'forged' WHERE id = :id"), {"id": victim})

    broken = gongtiao_audit(config, "verify")
    assert broken.returncode == 1
    assert f"id={victim}" in broken.stderr


async def test_a_served_hub_links_at_start_what_was_left_unlinked(db: Database, client: TestClient) -> None:
    async with client.server.app[DB].write() as s:  # as if a crash had come before the chainer's turn
        await audit.record(s, audit.SYSTEM, "test.left", "thing", 1)
    (left,) = await newest_ids(db, 1)
    for _ in range(100):  # the chainer runs at start and every second
        if await link_of(db, left) is not None:
            break
        await asyncio.sleep(0.05)
    assert await link_of(db, left) is not None


@pytest.mark.pg_only
async def test_a_row_that_commits_late_is_linked_in_its_place_not_skipped(db: Database) -> None:
    await audit_chain.link_pending(db, wait=True)
    older = db.write()  # an older transaction, still open, whose audit row comes last
    s1 = await older.__aenter__()
    await s1.execute(text("SELECT pg_current_xact_id()"))  # it has its transaction id
    try:
        async with db.write() as s2:
            await audit.record(s2, audit.SYSTEM, "test.younger", "thing", 2)
        assert await audit_chain.link_pending(db) == 0  # behind the horizon: nothing linked yet
        await audit.record(s1, audit.SYSTEM, "test.older", "thing", 1)
    finally:
        await older.__aexit__(None, None, None)
    assert await link_all(db) == 2
    async with db.read() as s:
        chain = (
            await s.execute(
                select(AuditEvent.action)
                .join(AuditLink, AuditLink.event_id == AuditEvent.id)
                .order_by(AuditEvent.txid.desc(), AuditEvent.id.desc())
                .limit(2)
            )
        ).scalars()
        assert list(chain) == ["test.younger", "test.older"]  # in transaction order, not id order
        assert (await audit.verify_chain(s)).ok


@pytest.mark.pg_only
async def test_one_chainer_at_a_time_another_skips_its_turn(db: Database) -> None:
    async with db.write() as s:
        await audit.record(s, audit.SYSTEM, "test.busy", "thing", 1)
    async with db.write() as holder:  # another process's chainer, mid-run
        await holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit_chain._LOCK})
        assert await audit_chain.link_pending(db) == 0
    assert await link_all(db) > 0
    assert await unlinked(db) == 0
