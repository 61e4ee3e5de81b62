"""The audit log is a hash chain that `gongtiao audit verify` checks end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub import audit
from hub.audit import AuditEvent
from hub.config import Config
from hub.db import Database
from tests.support.env import clean_env

pytestmark = pytest.mark.pg


def run_verify(config: Config) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        GONGTIAO_DATABASE_URL=config.database_url,
        GONGTIAO_SECRET_KEY=config.secret_key,
        GONGTIAO_DATA_DIR=str(config.data_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "hub", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )


async def test_rows_link_to_the_row_before(db: Database) -> None:
    async with db.write() as s:
        first = await audit.record(s, audit.SYSTEM, "test.one", "thing", 1, {"名字": "王芳"})
        second = await audit.record(s, audit.Actor(user_id=None, agency_id=None), "test.two", "thing", 2)
    assert second.prev_hash == first.hash
    async with db.read() as s:
        report = await audit.verify_chain(s)
    assert report.ok and report.rows >= 2


async def test_the_database_refuses_to_edit_audit_rows(db: Database) -> None:
    with pytest.raises((IntegrityError, DBAPIError)):
        async with db.write() as s:
            await s.execute(text("UPDATE audit_events SET action = 'forged'"))


async def test_verify_passes_untouched_and_names_the_edited_row(db: Database, config: Config) -> None:
    ok = run_verify(config)
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout

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

    broken = run_verify(config)
    assert broken.returncode == 1
    assert f"id={victim}" in broken.stderr
