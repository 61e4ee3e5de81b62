"""The stack's floor for a write: bare aiohttp + SQLAlchemy Core, one INSERT per request.

No auth, no middleware, no pydantic, no audit chain, no routing decision: one handler reads a small
JSON body and inserts one Case-like row into ``bench_floor_cases`` (a table this app creates on the
hub's database) in a write transaction of ``hub.db.Database`` (so SQLite writes also use
``BEGIN IMMEDIATE``), and answers 201 with the new id.

    python -m bench.floor_insert --port 8081 --database-url sqlite+aiosqlite:////tmp/x/gongtiao.db
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal

from aiohttp import web
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, Text, insert

from hub.db import Database
from hub.orm import UTCDateTime, utcnow

DB = web.AppKey("db", Database)
URL = web.AppKey("url", str)

metadata = MetaData()
floor_cases = Table(
    "bench_floor_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("amount", Numeric(14, 2)),
    Column("idempotency_key", String(80), unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)


async def insert_case(request: web.Request) -> web.Response:
    body = await request.json()
    amount = body.get("amount")
    values = {
        "category": str(body["category"]),
        "summary": str(body["summary"]),
        "amount": Decimal(amount) if amount is not None else None,
        "idempotency_key": body.get("key"),
        "created_at": utcnow(),
    }
    async with request.app[DB].write() as s:
        new_id = await s.scalar(insert(floor_cases).values(**values).returning(floor_cases.c.id))
    return web.Response(text=json.dumps({"id": new_id}), status=201, content_type="application/json")


async def ready(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _database(app: web.Application) -> AsyncIterator[None]:
    db = Database(app[URL])
    async with db.write_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    app[DB] = db
    yield
    await db.dispose()


def create_app(database_url: str) -> web.Application:
    app = web.Application()
    app[URL] = database_url
    app.router.add_post("/cases", insert_case)
    app.router.add_get("/healthz", ready)
    app.cleanup_ctx.append(_database)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_insert")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(args.database_url), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
