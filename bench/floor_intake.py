"""The floor for intake + send: the same two requests writing the same rows, done bare.

Bare aiohttp + SQLAlchemy Core on the hub's own tables, serving the hub's two paths so
``bench.intake_load --mode hub`` drives it unchanged:

- ``POST /api/v1/cases``: the case (its number written after its id, as the hub does), its
  parties, one audit row; answers 201 with the id;
- ``POST /api/v1/cases/{id}/referrals``: the referral (to the sending station's room, found once
  at start), its ``send`` event, an inbox row per desk person, one audit row; answers 201.

What it leaves out is what the hub adds on top of the rows: authentication, permission and scope
checks, pydantic, the routing decision and deadline policy, idempotency, the audit chain's links
(written after commit by the hub's chainer, not here), the outbound messages and live notices.

    python -m bench.floor_intake --port 8082 --database-url sqlite+aiosqlite:////tmp/x/gongtiao.db
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from aiohttp import web
from sqlalchemy import Table, insert, select, update

from hub.audit import AuditEvent
from hub.db import Database
from hub.models import Agency, Role, User, UserRole
from hub.notifications import Notification
from hub.orm import utcnow
from hub.plugins import load_models

DB = web.AppKey("db", Database)
URL = web.AppKey("url", str)


@dataclass(frozen=True)
class Fixed:
    """What the hub would look up per request, looked up once."""

    agency_id: int
    user_id: int
    target_id: int
    desk: tuple[int, ...]


FIXED = web.AppKey("fixed", Fixed)


def _t(model: Any) -> Table:
    return cast(Table, model.__table__)


def _audit(action: str, kind: str, object_id: int, data: dict[str, Any], fixed: Fixed) -> dict[str, Any]:
    return {
        "created_at": utcnow(),
        "actor_user_id": fixed.user_id,
        "actor_agency_id": fixed.agency_id,
        "action": action,
        "object_type": kind,
        "object_id": str(object_id),
        "data": data,
    }


async def take_in(request: web.Request) -> web.Response:
    from referrals.models import Case, Party

    body = await request.json()
    fixed = request.app[FIXED]
    now = utcnow()
    consent = body.get("consent") or {}
    async with request.app[DB].write() as s:
        case_id = await s.scalar(
            insert(_t(Case))
            .values(
                number=f"~{body['idempotency_key'][-31:]}",
                incident_no=body.get("incident_no", ""),
                channel=body["channel"],
                category=body["category"],
                summary=body["summary"],
                area_id=body.get("area_id"),
                address=body.get("address", ""),
                amount=Decimal(body["amount"]) if body.get("amount") else None,
                group_dispute=False,
                violence_risk=False,
                minor_criminal=False,
                vulnerable_party=False,
                consent_by=consent.get("by", ""),
                consent_method=consent.get("method", ""),
                created_agency_id=fixed.agency_id,
                created_by_id=fixed.user_id,
                created_at=now,
                idempotency_key=body["idempotency_key"],
            )
            .returning(_t(Case).c.id)
        )
        number = f"QC{now.year}-{case_id:06d}"
        await s.execute(update(_t(Case)).where(_t(Case).c.id == case_id).values(number=number))
        await s.execute(
            insert(_t(Party)),
            [
                {
                    "case_id": case_id,
                    "role": p["role"],
                    "name": p["name"],
                    "id_number": p.get("id_number", ""),
                    "phone": p.get("phone", ""),
                    "address": p.get("address", ""),
                }
                for p in body["parties"]
            ],
        )
        data = {"number": number, "category": body["category"], "parties": len(body["parties"])}
        await s.execute(
            insert(_t(AuditEvent)).values(**_audit("case.taken_in", "case", case_id, data, fixed))
        )
    return web.json_response({"id": case_id, "number": number}, status=201)


async def send(request: web.Request) -> web.Response:
    from referrals.models import Referral, ReferralEvent

    case_id = int(request.match_info["id"])
    fixed = request.app[FIXED]
    now = utcnow()
    async with request.app[DB].write() as s:
        referral_id = await s.scalar(
            insert(_t(Referral))
            .values(
                case_id=case_id,
                from_agency_id=fixed.agency_id,
                to_agency_id=fixed.target_id,
                state="sent",
                explanation={},
                override_reason="",
                sent_by_id=fixed.user_id,
                sent_at=now,
                accept_due=now + timedelta(hours=72),
                state_changed_at=now,
                last_reason="",
                extension_reason="",
            )
            .returning(_t(Referral).c.id)
        )
        await s.execute(
            insert(_t(ReferralEvent)).values(
                referral_id=referral_id,
                action="send",
                from_state="",
                to_state="sent",
                actor_user_id=fixed.user_id,
                actor_agency_id=fixed.agency_id,
                at=now,
                reason="",
                data={},
            )
        )
        if fixed.desk:
            await s.execute(
                insert(_t(Notification)),
                [
                    {
                        "user_id": user_id,
                        "kind": "referral.received",
                        "title": "New referral %(number)s from %(sender)s",
                        "params": {"number": case_id},
                        "link": f"/cases/{case_id}",
                        "created_at": now,
                    }
                    for user_id in fixed.desk
                ],
            )
        data = {"from": "", "to": "sent", "case": case_id, "agency": fixed.target_id}
        await s.execute(
            insert(_t(AuditEvent)).values(**_audit("referral.sent", "referral", referral_id, data, fixed))
        )
    return web.json_response({"id": referral_id, "state": "sent"}, status=201)


async def ready(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _fixed(db: Database, username: str) -> Fixed:
    async with db.read() as s:
        user = (await s.execute(select(User.id, User.agency_id).where(User.username == username))).one()
        target = await s.scalar(select(Agency.id).where(Agency.host_agency_id == user.agency_id).limit(1))
        desk = await s.scalars(
            select(UserRole.user_id).where(
                UserRole.role.in_([Role.liaison, Role.admin]),
                UserRole.user_id.in_(select(User.id).where(User.agency_id == target)),
            )
        )
        return Fixed(user.agency_id, user.id, int(target or user.agency_id), tuple(sorted(set(desk.all()))))


async def _database(app: web.Application) -> AsyncIterator[None]:
    load_models()
    db = Database(app[URL])
    app[DB] = db
    app[FIXED] = await _fixed(db, "liaison_ps01")
    yield
    await db.dispose()


def create_app(database_url: str) -> web.Application:
    app = web.Application()
    app[URL] = database_url
    app.router.add_post("/api/v1/cases", take_in)
    app.router.add_post("/api/v1/cases/{id}/referrals", send)
    app.router.add_get("/healthz", ready)
    app.cleanup_ctx.append(_database)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_intake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(args.database_url), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
