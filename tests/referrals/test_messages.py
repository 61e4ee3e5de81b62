"""Word back to the police systems and staff messages, wired to the referral moves: a station's
system (a local receiver checking the signature) hears its referral accepted, declined, settled and
closed, once, retried after a failure and not again after a restart; the receiving body's people
hear of a new referral, a deadline about to lapse and the court's answer by the channel each chose
(a local SMS gateway)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.events import Outbox
from hub.keys import EVENTS
from hub.models import Agency, User, UserRole
from hub.orm import utcnow
from hub.outbound.models import OutboundMessage
from referrals import deadline_notices, messages, moves, states
from referrals.models import Case, Referral
from tests.hub.outbound_helpers import agency_id, all_messages, manual_worker, message, sms_config, user_id
from tests.hub.test_outbound_webhooks import give_webhook, wait_state
from tests.referrals.helpers import Person, case_body
from tests.support.outbound import LocalGateway, LocalReceiver

pytestmark = pytest.mark.pg


@pytest.fixture
async def receiver() -> AsyncIterator[LocalReceiver]:
    local = LocalReceiver()
    await local.start()
    yield local
    await local.stop()


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


def hub_config(config: Config, gateway: LocalGateway) -> Config:
    # Retries come after a second or so here; in production after 15 to 30 seconds.
    return sms_config(config, gateway, outbound_retry_seconds=1.0, outbound_poll_seconds=1.0)


@pytest.fixture
async def hub(aiohttp_client: Any, config: Config, gateway: LocalGateway) -> TestClient:
    client: TestClient = await aiohttp_client(create_app(hub_config(config, gateway)))
    return client


async def referred(hub: TestClient, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    police = await Person.login(hub, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body(**changes))
    assert status == 201, case
    status, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201, referral
    return case, referral


async def act(hub: TestClient, referral_id: int, action: str, **body: Any) -> dict[str, Any]:
    room = await Person.login(hub, "liaison_sr01")
    status, moved = await room.post(f"/api/v1/referrals/{referral_id}/actions", {"action": action, **body})
    assert status == 200, moved
    return dict(moved)


async def move_directly(
    hub: TestClient,
    db: Database,
    referral_id: int,
    action: str,
    state: str = "",
    side: states.Side = states.Side.receiver,
) -> None:
    """A move as the agreement and court forms make it (their own checks are theirs to test)."""
    assert hub.app is not None
    outbox = Outbox()
    async with db.write() as s:
        if state:
            await s.execute(update(Referral).where(Referral.id == referral_id).values(state=state))
        referral = await s.get(Referral, referral_id)
        assert referral is not None
        await s.refresh(referral)
        await moves.move(
            s,
            None,
            referral,
            moves.Move(action, "法院裁定"),
            sides={side},
            now=utcnow(),
            outbox=outbox,
        )
    await outbox.send(hub.app[EVENTS])


def bodies(receiver: LocalReceiver) -> list[dict[str, Any]]:
    return [r.json for r in receiver.accepted.values()]


async def test_the_station_hears_its_referral_accepted_signed_with_the_incident_number(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    await give_webhook(hub, receiver, "psb_admin", await agency_id(db, "PS01"))
    case, referral = await referred(hub)
    assert receiver.requests == []  # sending is not one of the four events
    await act(hub, referral["id"], "accept")
    await receiver.wait_for(lambda: len(receiver.accepted) == 1)
    body = bodies(receiver)[0]
    assert {k: body[k] for k in ("event", "incident_no", "case_number", "state", "agency_code")} == {
        "event": "referral.accepted",
        "incident_no": case["incident_no"],
        "case_number": case["number"],
        "state": "accepted",
        "agency_code": "PS01",
    }
    assert receiver.refused == []  # the signature checked out


async def test_declined_settled_and_closed_are_heard_too(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    await give_webhook(hub, receiver, "psb_admin", await agency_id(db, "PS01"))
    declined_case, declined = await referred(hub)
    await act(hub, declined["id"], "decline", reason="当事人住址不在本辖区")
    case, referral = await referred(hub)
    await act(hub, referral["id"], "accept")
    room = await Person.login(hub, "liaison_sr01")
    _, choices = await room.get(f"/api/v1/referrals/{referral['id']}/mediators")
    await room.post(
        f"/api/v1/referrals/{referral['id']}/mediator", {"user_id": choices["items"][0]["user_id"]}
    )
    await act(hub, referral["id"], "start_mediation")
    await act(hub, referral["id"], "resolve")
    await move_directly(hub, db, referral["id"], "close")
    await receiver.wait_for(lambda: len(receiver.accepted) == 4)
    heard = sorted((b["incident_no"], b["event"], b["state"]) for b in bodies(receiver))
    assert heard == sorted(
        [
            (declined_case["incident_no"], "referral.declined", "declined"),
            (case["incident_no"], "referral.accepted", "accepted"),
            (case["incident_no"], "referral.resolved", "resolved"),
            (case["incident_no"], "referral.closed", "closed"),
        ]
    )
    assert receiver.refused == []


async def test_a_failure_is_retried_with_the_same_id_and_nothing_goes_twice_after_a_restart(
    aiohttp_client: Any,
    hub: TestClient,
    db: Database,
    config: Config,
    gateway: LocalGateway,
    receiver: LocalReceiver,
) -> None:
    await give_webhook(hub, receiver, "psb_admin", await agency_id(db, "PS01"))
    receiver.fail(1, status=500)
    _, referral = await referred(hub)
    await act(hub, referral["id"], "accept")
    await receiver.wait_for(lambda: len(receiver.accepted) == 1)
    assert [r.status for r in receiver.requests] == [500, 200]
    assert len(set(receiver.ids())) == 1  # the same delivery id both times
    hooks = [m for m in await all_messages(db) if m.channel == "webhook"]
    assert len(hooks) == 1
    await wait_state(db, hooks[0].id, "sent")

    # The same move reported again (a retried request, a second process) queues nothing new...
    async with db.write() as s:
        row = await s.get(Referral, referral["id"])
        case = await s.get(Case, row.case_id) if row else None
        assert row is not None and case is not None
        await messages.after_move(s, row, case, "accept", now=utcnow(), outbox=Outbox())
    assert [m.id for m in await all_messages(db) if m.channel == "webhook"] == [hooks[0].id]
    # ...and a restarted hub finds nothing to send.
    await hub.close()
    await aiohttp_client(create_app(hub_config(config, gateway)))
    async with manual_worker(db, hub_config(config, gateway)) as worker:
        await worker.run_once(utcnow() + timedelta(days=1))
    assert len(receiver.requests) == 2
    assert (await message(db, hooks[0].id)).state == "sent"


async def test_the_station_hears_when_the_body_a_case_was_passed_on_to_accepts_it(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    await give_webhook(hub, receiver, "psb_admin", await agency_id(db, "PS01"))
    case, first = await referred(hub)
    labour = await agency_id(db, "SB-LABOUR")
    await act(hub, first["id"], "refer_onward", reason="实为劳务纠纷", target_agency_id=labour)
    async with db.read() as s:
        onward = await s.scalar(select(Referral).where(Referral.parent_id == first["id"]))
        assert onward is not None
        body_liaison = await s.scalar(
            select(User.username)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == labour, UserRole.role == "liaison")
        )
    assert body_liaison is not None
    body = await Person.login(hub, body_liaison)
    status, accepted = await body.post(f"/api/v1/referrals/{onward.id}/actions", {"action": "accept"})
    assert status == 200, accepted
    await receiver.wait_for(lambda: len(receiver.accepted) == 1)
    [heard] = bodies(receiver)
    assert (heard["event"], heard["incident_no"], heard["agency_code"]) == (
        "referral.accepted",
        case["incident_no"],
        "PS01",
    )


async def test_an_agency_without_a_webhook_is_sent_nothing(hub: TestClient, db: Database) -> None:
    _, referral = await referred(hub)
    await act(hub, referral["id"], "accept")
    assert [m for m in await all_messages(db) if m.channel == "webhook"] == []


async def test_the_receiving_desk_hears_of_a_new_referral_by_the_channel_each_chose(
    hub: TestClient, db: Database, config: Config, gateway: LocalGateway
) -> None:
    csrf = (await Person.login(hub, "liaison_sr01")).csrf
    chosen = await hub.put(
        "/api/v1/me/contact",
        json={"notify_by": "sms", "phone": "13900000001"},
        headers={"X-CSRF-Token": csrf},
    )
    assert chosen.status == 200
    case, referral = await referred(hub)
    await gateway.wait_for(lambda: len(gateway.accepted) == 1)
    async with db.read() as s:
        sender = await s.scalar(select(Agency.name).where(Agency.code == "PS01"))
    [text] = gateway.texts("13900000001")
    assert text.startswith(f"{sender}移送案件{case['number']}，请于")
    assert text.endswith(f"前受理：{config.site_url}/cases/{case['id']}")
    rows = [m for m in await all_messages(db) if m.template == "staff.new_referral"]
    liaison = await user_id(db, "liaison_sr01")
    # The demo's other people gave no address: e-mail is their default, and nothing reaches them.
    assert [(m.user_id, m.channel) for m in rows] == [(liaison, "sms")]


async def test_a_deadline_about_to_lapse_is_told_once(hub: TestClient, db: Database) -> None:
    async with db.write() as s:
        await s.execute(
            update(User)
            .where(User.username == "liaison_sr01")
            .values(notify_by="email", email="sr01@qc.example")
        )
    _, referral = await referred(hub)
    async with db.read() as s:
        row = await s.get(Referral, referral["id"])
        assert row is not None
        due = row.accept_due
    ours = f"deadline:acceptance:referral:{referral['id']}:"

    async def told() -> list[OutboundMessage]:
        return [m for m in await all_messages(db) if m.dedupe_key.startswith(ours)]

    await deadline_notices.tell_deadlines_soon(db, due - timedelta(hours=7), Outbox())
    assert await told() == []  # six hours before a 24-hour acceptance deadline, not sooner
    await deadline_notices.tell_deadlines_soon(db, due - timedelta(hours=5), Outbox())
    first = await told()
    assert first and all(m.expires_at == due and m.template == "staff.deadline_soon" for m in first)
    assert {m.payload["params"]["step"] for m in first} == {"acceptance"}
    await deadline_notices.tell_deadlines_soon(db, due - timedelta(hours=4), Outbox())
    assert [m.id for m in await told()] == [m.id for m in first]  # told once


async def test_the_mediator_hears_the_court_s_answer(
    hub: TestClient, db: Database, config: Config, gateway: LocalGateway
) -> None:
    _, referral = await referred(hub)
    await act(hub, referral["id"], "accept")
    room = await Person.login(hub, "liaison_sr01")
    _, choices = await room.get(f"/api/v1/referrals/{referral['id']}/mediators")
    mediator = choices["items"][0]["user_id"]
    await room.post(f"/api/v1/referrals/{referral['id']}/mediator", {"user_id": mediator})
    async with db.write() as s:
        await s.execute(
            update(OutboundMessage).where(OutboundMessage.user_id == mediator).values(state="sent")
        )  # what came before is not this test's
        await s.execute(update(User).where(User.id == mediator).values(notify_by="sms", phone="13900000009"))
    await move_directly(
        hub, db, referral["id"], "confirm", state="confirmation_accepted", side=states.Side.court
    )
    await gateway.wait_for(lambda: bool(gateway.texts("13900000009")))
    number = referral.get("case_number") or (await _number(db, referral["case_id"]))
    assert gateway.texts("13900000009") == [
        f"人民法院对案件{number}的司法确认申请已裁定确认：{config.site_url}/cases/{referral['case_id']}"
    ]


async def _number(db: Database, case_id: int) -> str:
    async with db.read() as s:
        found = await s.scalar(select(Case.number).where(Case.id == case_id))
        assert found is not None
        return found
