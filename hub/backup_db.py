"""The database part of a backup: a snapshot into one file, and that file back into a database.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while the
  hub keeps writing (WAL readers do not block writers); restoring copies the file back the same way,
  so SQLite's own locking and journal keep the target whole.
- PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot, safe while the hub runs). Restoring runs
  ``pg_restore -f -`` into ``psql --single-transaction``, after a prelude that empties the ``public``
  schema: all or nothing, and nothing of a newer schema is left lying beside the restored one.
  Owners and grants are not restored: the objects belong to whoever restores (the owner role,
  deploy/postgresql-roles.sql), whose default privileges give the app role its rights again.

Blocking work: for the command line, never for the event loop.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
SIDE_FILES = ("-wal", "-shm", "-journal")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

# Empties the public schema inside the restore's transaction: tables, views and sequences (with
# what depends on them), then functions (the audit trigger's) and types (enums).
_EMPTY_PUBLIC = """
DO $gongtiao$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                 ELSE 'TABLE' END,
                  n.nspname, c.relname) AS statement
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  LOOP
    EXECUTE item.statement;
  END LOOP;
  FOR item IN
    SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) AS statement
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
  LOOP
    EXECUTE item.statement;
  END LOOP;
  FOR item IN
    SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname) AS statement
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r')
  LOOP
    EXECUTE item.statement;
  END LOOP;
END
$gongtiao$;
"""
_COUNT_TABLES = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
)


class DatabaseToolError(RuntimeError):
    """A database tool failed or is missing; the message says which and why."""


def backend_of(database_url: str) -> str:
    return "sqlite" if make_url(database_url).get_backend_name() == "sqlite" else "postgresql"


def member_name(backend: str) -> str:
    return SQLITE_MEMBER if backend == "sqlite" else POSTGRES_MEMBER


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise DatabaseToolError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database).expanduser().resolve()


def snapshot(database_url: str, into: Path) -> None:
    """Write a consistent copy of the database into the file ``into``."""
    if backend_of(database_url) == "sqlite":
        with _sqlite_errors():
            _sqlite_snapshot(sqlite_path(database_url), into)
    else:
        _run(
            [pg_tool("pg_dump"), "-Fc", "--no-password", "--lock-wait-timeout=60s", "-f", str(into)],
            database_url,
        )


def table_count(database_url: str) -> int:
    """How many tables the target database holds (0: a fresh place; a missing SQLite file counts so)."""
    if backend_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if not path.exists():
            return 0
        with _sqlite_errors(), contextlib.closing(sqlite3.connect(path)) as conn:
            row = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        return int(row[0])
    out = _run([pg_tool("psql"), "-X", "-A", "-t", "--no-password", "-c", _COUNT_TABLES], database_url)
    return int(out.strip())


def load(database_url: str, source: Path) -> None:
    """Replace the target database's content with the snapshot ``source``."""
    if backend_of(database_url) == "sqlite":
        with _sqlite_errors():
            _sqlite_load(source, sqlite_path(database_url))
    else:
        _postgres_load(source, database_url)


@contextlib.contextmanager
def _sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise DatabaseToolError(f"SQLite: {exc}") from exc


def _sqlite_snapshot(path: Path, into: Path) -> None:
    if not path.is_file():
        raise DatabaseToolError(f"no SQLite database at {path}")
    with (
        contextlib.closing(sqlite3.connect(path, timeout=60)) as src,
        contextlib.closing(sqlite3.connect(into)) as dst,
    ):
        src.backup(dst)  # one step: one read transaction, one consistent snapshot
        # A self-contained file: no -wal beside it in the archive.
        dst.execute("PRAGMA journal_mode=DELETE")


def _sqlite_load(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src:
        check = src.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise DatabaseToolError(f"the archived SQLite database fails its integrity check: {check}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(target, timeout=60)) as dst:
            src.backup(dst)  # replaces the whole target under SQLite's own lock and journal


def _postgres_load(source: Path, database_url: str) -> None:
    env = libpq_env(database_url)
    psql = [pg_tool("psql"), "-X", "-q", "--no-password", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
    with tempfile.TemporaryFile() as restore_err:
        restore = subprocess.Popen(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(source)],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
        assert restore.stdout is not None
        with restore.stdout:
            loaded = subprocess.run(
                [*psql, "-c", _EMPTY_PUBLIC, "-f", "-"],
                stdin=restore.stdout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
        restore.wait()
        restore_err.seek(0)
        restore_detail = restore_err.read()
    if loaded.returncode != 0 or restore.returncode != 0:
        detail = (loaded.stderr or restore_detail).decode(errors="replace").strip()
        raise DatabaseToolError(f"PostgreSQL restore failed, nothing was changed: {detail}")


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: the newest under /usr/lib/postgresql (Debian), else on PATH."""
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
    )
    found = versions[-1] if versions else shutil.which(name)
    if not found:
        raise DatabaseToolError(f"{name} not found: install the Debian package postgresql-client")
    return found


def libpq_env(database_url: str) -> dict[str, str]:
    """The client tools' connection settings from the hub's URL, the password in the environment
    (never on a command line that ``ps`` shows)."""
    url = make_url(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    sslmode = _query(url.query.get("sslmode") or url.query.get("ssl"))
    settings = {
        "PGHOST": url.host or _query(url.query.get("host")),
        "PGPORT": str(url.port) if url.port else _query(url.query.get("port")),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
        "PGSSLMODE": sslmode if sslmode in _SSL_MODES else "",
        "PGSSLROOTCERT": _query(url.query.get("sslrootcert")),
        "PGSSLCERT": _query(url.query.get("sslcert")),
        "PGSSLKEY": _query(url.query.get("sslkey")),
        "PGAPPNAME": "gongtiao-backup",
    }
    env.update({k: v for k, v in settings.items() if v})
    return env


def _query(value: str | tuple[str, ...] | None) -> str:
    if isinstance(value, tuple):
        return value[0] if value else ""
    return value or ""


def _run(command: list[str], database_url: str) -> str:
    result = subprocess.run(command, env=libpq_env(database_url), capture_output=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip()
        raise DatabaseToolError(f"{Path(command[0]).name} failed: {detail}")
    return result.stdout.decode()
