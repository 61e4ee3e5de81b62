"""The ``gongtiao`` command (also ``python -m hub``)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import secrets
import sys
from collections.abc import Sequence
from typing import Any

from hub.config import Config, ConfigError
from hub.event_loop import event_loop
from hub.plugins import plugins

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongtiao", description="Police–mediation coordination hub")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the hub over HTTP")
    serve.add_argument("--host", help="overrides GONGTIAO_HOST")
    serve.add_argument("--port", type=int, help="overrides GONGTIAO_PORT")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every pending migration")

    demo = sub.add_parser("demo", help="load the demo district once and print its logins")
    demo.add_argument("--quiet", action="store_true", help="do not print the logins")

    user = sub.add_parser("user", help="people").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="add a person")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name shown to others")
    add.add_argument("--agency", required=True, help="agency code, e.g. PS01")
    add.add_argument("--role", action="append", default=[], help="role (repeatable)")
    add.add_argument("--superuser", action="store_true", help="platform operator")
    add.add_argument("--password-file", help="read the password from this file (default: generate one)")
    listing = user.add_parser("list", help="list people")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    create = token.add_parser("create", help="print a new bearer token for a user")
    create.add_argument("username")
    create.add_argument("--name", default="cli", help="what the token is for")

    audit_cmd = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_command", required=True)
    audit_cmd.add_parser("verify", help="check the whole hash chain")
    audit_cmd.add_parser("link", help="link rows not yet in the chain (a running hub does it every second)")

    backup = sub.add_parser("backup", help="write one archive: database, data directory, SHA-256 manifest")
    backup.add_argument(
        "path", help="a new archive file, or a directory (ending in /) to get gongtiao-<time>.tar"
    )
    backup.add_argument("--keep-daily", type=int, metavar="N", help="then keep the newest archive of N days")
    backup.add_argument(
        "--keep-weekly", type=int, metavar="N", help="then keep the newest archive of N weeks"
    )
    restore = sub.add_parser("restore", help="check an archive, then restore it into a fresh place")
    restore.add_argument("path", help="the archive")
    restore.add_argument("--force", action="store_true", help="replace a database and data in use")

    for plugin in plugins():
        if plugin.add_commands is not None:
            plugin.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    from hub import logs

    logs.configure(config.log_level, config.log_format if args.command == "serve" else "text")
    handler = getattr(args, "handler", None)
    if handler is not None:  # a domain package's command
        return int(asyncio.run(handler(config, args)) or 0)
    if args.command == "serve":
        return serve(config, args)
    if args.command in ("backup", "restore"):
        from hub import backup as backups

        return backups.command(config, args)
    if args.command == "db":
        from hub.migrate import upgrade

        upgrade(config.database_url)
        print("database is up to date / 数据库已是最新结构")
        return 0
    return int(asyncio.run(_run_async(config, args)))


def serve(config: Config, args: argparse.Namespace) -> int:
    from aiohttp import web

    from hub.app import create_app

    config = config.with_overrides(host=args.host or config.host, port=args.port or config.port)
    loop = event_loop()
    app = create_app(config)
    # Everything imported and built so far lives as long as the process: out of the collector's
    # sight, a full collection during a large read (a feed of 1,000 meetings is 6,000 ORM objects)
    # no longer walks it (docs/benchmarks.md, feed_read).
    gc.freeze()
    print(f"gongtiao serving on http://{config.host}:{config.port}", flush=True)
    web.run_app(
        app,
        loop=loop,
        host=config.host,
        port=config.port,
        print=None,
        shutdown_timeout=10,
        access_log=None,
        handle_signals=True,
    )
    return 0


async def _run_async(config: Config, args: argparse.Namespace) -> int:
    from hub.db import Database
    from hub.plugins import load_models

    load_models()
    db = Database(config.database_url)
    try:
        return await _dispatch(db, config, args)
    finally:
        await db.dispose()


async def _audit(db: Any, command: str) -> int:
    from hub import audit, audit_chain

    if command == "link":
        linked = await audit_chain.link_pending(db, wait=True)
        print(f"linked {linked} audit rows / 链接了 {linked} 条审计记录")
        return 0
    async with db.read() as s:
        report = await audit.verify_chain(s)
    if not report.ok:
        print(
            f"audit chain BROKEN at row id={report.broken_id}: {report.reason} / "
            f"审计链在第 {report.broken_id} 行断裂",
            file=sys.stderr,
        )
        return 1
    print(f"audit chain intact: {report.rows} rows / 审计链完整: {report.rows} 条")
    if report.pending:
        print(
            f"{report.pending} newest rows (from id={report.pending_from}) not yet linked: a running hub "
            f"links them within a second, `gongtiao audit link` now / "
            f"最新 {report.pending} 条尚未链接"
        )
    return 0


async def _dispatch(db: Any, config: Config, args: argparse.Namespace) -> int:
    from hub import audit, directory
    from hub.errors import HubError
    from hub.orm import utcnow

    if args.command == "demo":
        from hub.demo import format_logins, run_demo

        ctx = await run_demo(db, utcnow(), config.data_dir)
        if not args.quiet:
            print(format_logins(ctx))
        return 0
    if args.command == "audit":
        return await _audit(db, args.audit_command)
    try:
        if args.command == "user" and args.user_command == "list":
            async with db.read() as s:
                users = await directory.list_users(s, None)
            rows = [
                {
                    "id": u.id,
                    "username": u.username,
                    "display_name": u.display_name,
                    "agency": u.agency.code,
                    "agency_name": u.agency.name,
                    "roles": u.role_names,
                    "active": u.active,
                    "is_superuser": u.is_superuser,
                }
                for u in users
            ]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for r in rows:
                    roles = ",".join(str(role) for role in r["roles"])  # type: ignore[attr-defined]
                    print(f"{r['username']:<20} {r['display_name']:<10} {r['agency']:<12} {roles}")
            return 0
        if args.command == "user" and args.user_command == "add":
            return await _user_add(db, args)
        if args.command == "token":
            async with db.write() as s:
                user = await directory.find_user(s, args.username)
                token, _row = await directory.create_token(s, audit.SYSTEM, user, args.name)
            print(token)
            return 0
    except HubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command}")


async def _user_add(db: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import select

    from hub import audit, directory
    from hub.models import Agency
    from hub.passwords import MIN_LENGTH, hash_password

    if args.password_file:
        password = Path(args.password_file).read_text(encoding="utf-8").strip()  # noqa: ASYNC240 - CLI, once
        generated = False
    else:
        password = secrets.token_urlsafe(12)
        generated = True
    if len(password) < MIN_LENGTH:
        print(f"error: the password must have at least {MIN_LENGTH} characters", file=sys.stderr)
        return 1
    async with db.write() as s:
        agency_id = await s.scalar(select(Agency.id).where(Agency.code == args.agency))
        if agency_id is None:
            print(f"error: no agency with code {args.agency}", file=sys.stderr)
            return 1
        await directory.create_user(
            s,
            audit.SYSTEM,
            directory.UserInput(
                username=args.username,
                display_name=args.name,
                agency_id=agency_id,
                roles=tuple(args.role),
                password_hash=await hash_password(password),
                is_superuser=args.superuser,
            ),
        )
    print(f"added {args.username}" + (f"; password: {password}" if generated else ""))
    return 0
