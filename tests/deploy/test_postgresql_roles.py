"""deploy/postgresql-roles.sql on a real PostgreSQL: the owner role migrates and restores, the app role
runs the hub and takes backups, and the app role can change rows but not the schema or the audit log."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from hub.backup_db import libpq_env, pg_tool
from tests.support.env import clean_env

pytestmark = [pytest.mark.pg_only, pytest.mark.slow]
ROLES_SQL = Path(__file__).parents[2] / "deploy" / "postgresql-roles.sql"


@dataclass(frozen=True)
class Roles:
    server: str  # the superuser's URL
    owner: str
    app: str

    def url(self, role: str, database: str) -> str:
        base = self.server.rsplit("/", 1)[0].replace("postgres@", f"{role}@", 1)
        return f"{base}/{database}"

    def apply(self, database: str) -> None:
        """What the operator runs as the postgres superuser (creates the database if missing)."""
        result = subprocess.run(
            [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(ROLES_SQL)]
            + ["-v", f"owner={self.owner}", "-v", f"app={self.app}", "-v", f"db={database}"],
            env=libpq_env(self.server),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


async def _sql(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def roles(backend: str, pg_server: str) -> Iterator[Roles]:
    tag = uuid.uuid4().hex[:8]
    made = Roles(pg_server, f"gt_owner_{tag}", f"gt_app_{tag}")
    yield made
    drops = [f'DROP DATABASE IF EXISTS "gt_{name}_{tag}" WITH (FORCE)' for name in ("a", "b", "c")]
    asyncio.run(
        _sql(pg_server, *drops, f'DROP ROLE IF EXISTS "{made.app}"', f'DROP ROLE IF EXISTS "{made.owner}"')
    )


def gongtiao(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        GONGTIAO_DATABASE_URL=database_url,
        GONGTIAO_DATA_DIR=str(data_dir),
        GONGTIAO_SECRET_KEY="roles-test-secret-0123456789",
        GONGTIAO_LOG_FORMAT="text",
    )
    result = subprocess.run(
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def test_the_owner_migrates_and_restores_and_the_app_runs_and_backs_up(
    roles: Roles, pg_template: str, tmp_path: Path
) -> None:
    tag = roles.owner.rsplit("_", 1)[1]
    fresh, live, restored = f"gt_a_{tag}", f"gt_b_{tag}", f"gt_c_{tag}"

    # A fresh database: the owner runs the migrations; the app gets its rights on what they create.
    roles.apply(fresh)
    gongtiao(roles.url(roles.owner, fresh), tmp_path / "a", "db", "upgrade")
    roles.apply(fresh)  # again after the first upgrade, as the deployment guide says
    asyncio.run(_app_may_change_rows_but_not_the_schema(roles.url(roles.app, fresh)))

    # A database with the demo district (the suite's template): the app works and takes a backup.
    asyncio.run(
        _sql(roles.server, f'CREATE DATABASE "{live}" OWNER "{roles.owner}" TEMPLATE "{pg_template}"')
    )
    roles.apply(live)
    app_live = roles.url(roles.app, live)
    password = tmp_path / "pw"
    password.write_text("a-strong-password\n")
    added = gongtiao(
        app_live, tmp_path / "b", "user", "add", "ops", "--name", "运维", "--agency", "JB", "--role", "admin",
        "--password-file", str(password),
    )  # fmt: skip
    assert "added ops" in added.stdout
    gongtiao(app_live, tmp_path / "b", "backup", str(tmp_path / "backups") + "/")
    (archive,) = (tmp_path / "backups").glob("gongtiao-*.tar")

    # Restored by the owner into a new database, the app reads it at once (default privileges).
    roles.apply(restored)
    gongtiao(roles.url(roles.owner, restored), tmp_path / "c", "restore", str(archive))
    assert "intact" in gongtiao(roles.url(roles.app, restored), tmp_path / "c", "audit", "verify").stdout
    people = gongtiao(roles.url(roles.app, restored), tmp_path / "c", "user", "list").stdout
    assert "ops" in people.split()


async def _app_may_change_rows_but_not_the_schema(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_try_advisory_xact_lock(42)")  # hub/audit_chain.py
            await conn.execute("INSERT INTO areas (code, name, level) VALUES ('T1', '测试', 'district')")
            await conn.execute("UPDATE areas SET name = '测试区' WHERE name = '测试'")
            await conn.execute("DELETE FROM areas WHERE name = '测试区'")
            await conn.fetchval("SELECT count(*) FROM audit_events")
        heard: asyncio.Queue[str] = asyncio.Queue()
        await conn.add_listener("gongtiao_check", lambda *args: heard.put_nowait(args[-1]))
        await conn.execute("SELECT pg_notify('gongtiao_check', 'hello')")  # hub/events.py
        assert await asyncio.wait_for(heard.get(), 5) == "hello"
        for forbidden in (
            "CREATE TABLE intruder (x int)",
            "ALTER TABLE users ADD COLUMN x int",
            "DROP TABLE users",
            "TRUNCATE audit_events",
            "UPDATE audit_events SET action = 'x'",
            "DELETE FROM audit_events",
            "UPDATE audit_links SET hash = 'x'",
            "DELETE FROM audit_links",
            "CREATE TEMP TABLE scratch (x int)",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(forbidden)
    finally:
        await conn.close()
