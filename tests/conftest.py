"""Shared fixtures: a migrated database with the demo district for every test, on SQLite and,
for tests marked ``pg``, also on a real PostgreSQL started for the session.

The schema is built once per session (once per instant, see ``pinned_clock``) by the real Alembic
migrations and the real demo loader; each test then gets its own copy (a file copy for SQLite,
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so tests are isolated and still fast.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import time_machine
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher, profiles
from filelock import FileLock

from hub import passwords
from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.demo import run_demo
from hub.migrate import upgrade
from hub.orm import utcnow
from tests.support import clock
from tests.support.pg import ThrowawayPostgres

SECRET = "test-secret-key-0123456789"
DEMO_PASSWORD = "gongtiao-demo"
BACKENDS_ALL = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture builds data: the demo district and every test see the same "now".
    clock.start()
    # The same argon2id code, at its cheapest cost (see hub.passwords.use_hasher).
    passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


def pytest_report_header(config: pytest.Config) -> str:
    instant = clock.chosen_instant(os.environ.get(clock.VARIABLE))
    shown = "the real wall clock" if instant is None else instant.isoformat()
    return f"clock: {shown} (set {clock.VARIABLE} to run at another time)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("pg_only"):
            backends: tuple[str, ...] = ("postgresql",)
        elif metafunc.definition.get_closest_marker("pg"):
            backends = BACKENDS_ALL
        else:
            backends = ("sqlite",)
        metafunc.parametrize("backend", backends, scope="function")


def _prepare(url: str) -> None:
    upgrade(url)

    async def load() -> None:
        db = Database(url)
        try:
            await run_demo(db, utcnow())
        finally:
            await db.dispose()

    asyncio.run(load())


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """``@pytest.mark.clock("2026-11-28T10:00:00+08:00")``: this test (its database and demo data
    included) runs at that instant instead of the suite's. For tests whose data are a fixed calendar
    (the first Tuesdays of December 2026, say); everything else runs at the suite's instant."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield
        return
    with time_machine.travel(clock.chosen_instant(marker.args[0]), tick=True):
        yield


def _instant_key(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("clock")
    return marker.args[0] if marker else "suite"


@pytest.fixture(scope="session")
def sqlite_templates() -> dict[str, Path]:
    """One migrated demo database per instant tests run at (the demo is built relative to "now")."""
    return {}


def _shared(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Under pytest-xdist, the folder all workers of this run share (their own ones are inside
    it); None when the tests run in one process."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return None
    return tmp_path_factory.getbasetemp().parent


def _slug(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@pytest.fixture
def sqlite_template(
    request: pytest.FixtureRequest,
    sqlite_templates: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    key = _instant_key(request)
    if key not in sqlite_templates:
        shared = _shared(tmp_path_factory)
        if shared is None:
            path = tmp_path_factory.mktemp("template") / "template.db"
            _prepare(f"sqlite+aiosqlite:///{path}")
        else:  # the first worker to need it builds it; the others wait for it and copy it
            path = shared / f"template-{_slug(key)}.db"
            with FileLock(f"{path}.lock"):
                if not path.exists():
                    building = shared / f"building-{_slug(key)}.db"
                    _prepare(f"sqlite+aiosqlite:///{building}")
                    building.rename(path)
        sqlite_templates[key] = path
    return sqlite_templates[key]


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Superuser URL of a PostgreSQL server; started for this session unless one is given. Under
    pytest-xdist the workers share one server (started by the first, stopped by the controller in
    ``pytest_sessionfinish``), so each demo template is built once per run, not once per worker."""
    given = os.environ.get("GONGTIAO_TEST_PG_URL")
    if given:
        yield given
        return
    shared = _shared(tmp_path_factory)
    if shared is not None:
        with FileLock(f"{shared / PG_INFO}.lock"):
            info = shared / PG_INFO
            if not info.exists():
                server = ThrowawayPostgres.start()
                info.write_text(json.dumps(server.describe()))
            url = json.loads(info.read_text())["url"]
        yield url
        return
    server = ThrowawayPostgres.start()
    try:
        yield server.url
    finally:
        server.stop()


PG_INFO = "postgresql.json"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller of an xdist run stops the server its workers shared."""
    if hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or factory._basetemp is None:
        return
    info = Path(factory._basetemp) / PG_INFO
    if info.exists():
        ThrowawayPostgres.from_description(json.loads(info.read_text())).stop()
        info.unlink()


def _pg_url(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + database


def _raw(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_raw(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_templates() -> dict[str, str]:
    return {}


@pytest.fixture
def pg_template(
    request: pytest.FixtureRequest,
    pg_server: str,
    pg_templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    key = _instant_key(request)
    if key not in pg_templates:
        shared = _shared(tmp_path_factory)
        if shared is None:
            pg_templates[key] = _new_pg_template(pg_server)
        else:
            marker = shared / f"pg-template-{_slug(key)}"
            with FileLock(f"{marker}.lock"):
                if not marker.exists():
                    marker.write_text(_new_pg_template(pg_server))
                pg_templates[key] = marker.read_text()
    return pg_templates[key]


def _new_pg_template(server: str) -> str:
    name = f"gt_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(server, f'CREATE DATABASE "{name}"'))
    _prepare(_pg_url(server, name))
    return name


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "gongtiao.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"gt_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(server, name)
    finally:
        asyncio.run(_pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    env = {
        "GONGTIAO_DATABASE_URL": database_url,
        "GONGTIAO_DATA_DIR": str(tmp_path / "data"),
        "GONGTIAO_SECRET_KEY": SECRET,
        "GONGTIAO_LOG_FORMAT": "text",
    }
    return Config.from_env(env)


@pytest.fixture
async def client(aiohttp_client, config: Config) -> TestClient:  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def db(config: Config) -> AsyncIterator[Database]:
    database = Database(config.database_url)
    yield database
    await database.dispose()
