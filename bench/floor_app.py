"""The stack's floors for ``GET /api/v1/agencies``: bare aiohttp + SQLAlchemy async, nothing of the hub's.

No auth, no middleware, no routing layer, no pydantic, no cache, through the same engine setup
(``hub.db.Database``) and the same event loop as ``gongtiao serve`` (``hub.event_loop.event_loop``), the
same JSON:

- ``/api/v1/agencies``, **the floor**: SQLAlchemy Core, two SELECTs (the agencies ordered by kind
  and code; their specialties), rows to dicts, ``json.dumps``. What a hand-written read costs.
- ``/orm/api/v1/agencies``: the hub's own ORM query (``hub.directory.list_agencies``, specialties
  by selectin), the floor of earlier runs; kept to show what the ORM costs.

    python -m bench.floor_app --port 8081 --database-url sqlite+aiosqlite:////tmp/x/gongtiao.db
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import select

from hub.db import Database
from hub.event_loop import event_loop
from hub.models import Agency, AgencySpecialty

DB = web.AppKey("db", Database)
URL = web.AppKey("url", str)


def agency_json(a: Agency) -> dict[str, Any]:
    return {
        "id": a.id,
        "code": a.code,
        "name": a.name,
        "kind": a.kind,
        "parent_id": a.parent_id,
        "host_agency_id": a.host_agency_id,
        "area_id": a.area_id,
        "specialties": [s.specialty for s in a.specialties],
        "phone": a.phone,
        "address": a.address,
        "active": a.active,
    }


async def list_agencies_core(request: web.Request) -> web.Response:
    agencies = Agency.__table__.c
    specialties = AgencySpecialty.__table__.c
    columns = [agencies[name] for name in COLUMNS if name != "specialties"]
    async with request.app[DB].read() as s:
        rows = (await s.execute(select(*columns).order_by(agencies.kind, agencies.code))).all()
        pairs = await s.execute(
            select(specialties.agency_id, specialties.specialty).order_by(specialties.specialty)
        )
    by_agency: dict[int, list[str]] = {}
    for agency_id, specialty in pairs:
        by_agency.setdefault(agency_id, []).append(specialty)
    items = []
    for row in rows:
        item = row._asdict()
        item["specialties"] = by_agency.get(item["id"], [])
        items.append(item)
    body = json.dumps({"items": items, "total": len(items)}, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=body, content_type="application/json")


COLUMNS = (
    "id",
    "code",
    "name",
    "kind",
    "parent_id",
    "host_agency_id",
    "area_id",
    "specialties",
    "phone",
    "address",
    "active",
)


async def list_agencies(request: web.Request) -> web.Response:
    async with request.app[DB].read() as s:
        rows = (await s.scalars(select(Agency).order_by(Agency.kind, Agency.code))).all()
        items = [agency_json(a) for a in rows]
    body = json.dumps({"items": items, "total": len(items)}, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=body, content_type="application/json")


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DB] = Database(app[URL])
    yield
    await app[DB].dispose()


def create_app(database_url: str) -> web.Application:
    app = web.Application()
    app[URL] = database_url
    app.router.add_get("/api/v1/agencies", list_agencies_core)
    app.router.add_get("/orm/api/v1/agencies", list_agencies)
    app.cleanup_ctx.append(_database)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    web.run_app(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
        loop=event_loop(),
    )


if __name__ == "__main__":
    main()
