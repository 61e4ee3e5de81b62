"""Word back to the police systems: an admin gives an agency a webhook, and its system (a local
receiver that checks the signature as docs/api.md says) hears each referral event once, signed;
failures are retried with the same delivery id, and what cannot be delivered waits in the dead
letters until the admin sends it again. A liaison, and an admin of another station, are refused."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.audit import AuditEvent
from hub.config import Config
from hub.db import Database
from hub.events import Outbox
from hub.keys import EVENTS
from hub.outbound import enqueue_webhook
from tests.hub.outbound_helpers import agency_id, all_messages, message
from tests.hub.test_outbound_rules import documented_webhooks
from tests.support.outbound import LocalReceiver
from tests.support.web import login

pytestmark = pytest.mark.pg

AT = datetime(2026, 12, 7, 2, 15, tzinfo=UTC)


@pytest.fixture
async def receiver() -> AsyncIterator[LocalReceiver]:
    local = LocalReceiver()
    await local.start()
    yield local
    await local.stop()


@pytest.fixture
async def hub(aiohttp_client: Any, config: Config) -> TestClient:
    # Retries come after a second or so here; in production after 15 to 30 seconds.
    app = create_app(config.with_overrides(outbound_retry_seconds=1.0, outbound_poll_seconds=1.0))
    client: TestClient = await aiohttp_client(app)
    return client


async def give_webhook(
    hub: TestClient, receiver: LocalReceiver, username: str, agency: int
) -> dict[str, Any]:
    csrf = await login(hub, username)
    response = await hub.post(
        "/api/v1/webhooks", json={"agency_id": agency, "url": receiver.url}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    receiver.secrets = [created["secret"]]
    return {**created, "csrf": csrf}


async def referral_accepted(
    hub: TestClient, db: Database, agency: int, key: str = "referral:41:accepted"
) -> Any:
    """What referrals will do when a referral from ``agency`` is accepted."""
    assert hub.app is not None
    outbox = Outbox()
    async with db.write() as s:
        queued = await enqueue_webhook(
            s,
            agency,
            "referral.accepted",
            incident_no="J3301022026120700123",
            case_number="QC2026-000041",
            state="accepted",
            at=AT,
            dedupe_key=key,
            outbox=outbox,
        )
    await outbox.send(hub.app[EVENTS])
    return queued


async def test_a_police_system_hears_a_signed_referral_event_once(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    created = await give_webhook(hub, receiver, "psb_admin", ps02)
    assert created["secret"].startswith("whsec_") and created["agency_code"] == "PS02"
    listed = await hub.get("/api/v1/webhooks")
    assert created["secret"] not in await listed.text()
    assert (await listed.json())["items"][0]["secret_hint"] == created["secret"][:10] + "…"

    queued = await referral_accepted(hub, db, ps02)
    await receiver.wait_for(lambda: queued.uid in receiver.accepted)
    request = receiver.accepted[queued.uid]
    assert request.json == {
        "id": queued.uid,
        "event": "referral.accepted",
        "incident_no": "J3301022026120700123",
        "case_number": "QC2026-000041",
        "state": "accepted",
        "at": "2026-12-07T02:15:00Z",
        "agency_code": "PS02",
    }
    documented = documented_webhooks().split("| field | meaning |", 1)[1].split("\n\n", 1)[0]
    assert set(request.json) == {row.split("`")[1] for row in documented.splitlines()[2:]}
    assert request.headers["X-Gongtiao-Event"] == "referral.accepted"
    assert request.headers["X-Gongtiao-Signature"].startswith("t=")
    assert receiver.refused == [] and len(receiver.requests) == 1
    await wait_state(db, queued.id, "sent")


async def test_a_receiver_that_fails_first_gets_the_same_delivery_again(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    await give_webhook(hub, receiver, "psb_admin", ps02)
    receiver.fail(2, status=500)
    queued = await referral_accepted(hub, db, ps02)
    await receiver.wait_for(lambda: queued.uid in receiver.accepted)
    assert receiver.ids() == [queued.uid] * 3
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    await wait_state(db, queued.id, "sent")
    row = await message(db, queued.id)
    assert (row.state, row.attempts) == ("sent", 3)


async def test_what_the_receiver_refuses_waits_as_a_dead_letter_until_the_admin_resends_it(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    created = await give_webhook(hub, receiver, "psb_admin", ps02)
    receiver.secrets = ["whsec_the_receiver_was_given_another_one"]
    queued = await referral_accepted(hub, db, ps02)
    await receiver.wait_for(lambda: receiver.refused == ["mismatch"])
    await wait_state(db, queued.id, "dead")

    dead = await (await hub.get("/api/v1/outbound?state=dead")).json()
    assert [(m["id"], m["last_error"], m["attempts"]) for m in dead["items"]] == [(queued.id, "HTTP 401", 1)]
    receiver.secrets = [created["secret"]]  # the police system's operators fix their side
    resent = await hub.post(f"/api/v1/outbound/{queued.id}/resend", headers={"X-CSRF-Token": created["csrf"]})
    assert resent.status == 200 and (await resent.json())["state"] == "pending"
    await receiver.wait_for(lambda: queued.uid in receiver.accepted)
    await wait_state(db, queued.id, "sent")
    again = await hub.post(f"/api/v1/outbound/{queued.id}/resend", headers={"X-CSRF-Token": created["csrf"]})
    assert again.status == 409
    async with db.read() as s:
        actions = (
            await s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("%webhook%")))
        ).all()
        resends = (await s.scalars(select(AuditEvent.id).where(AuditEvent.action == "outbound.resent"))).all()
    assert list(actions) == ["webhook.created"] and len(resends) == 1


async def test_after_a_rotation_the_old_secret_signs_too_for_a_day(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    created = await give_webhook(hub, receiver, "psb_admin", ps02)
    headers = {"X-CSRF-Token": created["csrf"]}
    rotated = await (await hub.post(f"/api/v1/webhooks/{created['id']}/rotate", headers=headers)).json()
    assert rotated["secret"] != created["secret"] and rotated["previous_until"] is not None
    for secret in (created["secret"], rotated["secret"]):
        receiver.secrets = [secret]
        ping = await hub.post(f"/api/v1/webhooks/{created['id']}/ping", headers=headers)
        assert ping.status == 202
        ping_id = (await ping.json())["id"]
        uid = (await message(db, ping_id)).uid
        await receiver.wait_for(lambda uid=uid: uid in receiver.accepted)
    assert receiver.refused == []


async def test_an_agency_without_a_webhook_hears_nothing(hub: TestClient, db: Database) -> None:
    assert await referral_accepted(hub, db, await agency_id(db, "PS03")) is None
    assert await all_messages(db) == []


async def test_a_webhook_switched_off_queues_nothing_and_an_unknown_event_is_refused(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps02 = await agency_id(db, "PS02")
    created = await give_webhook(hub, receiver, "psb_admin", ps02)
    off = await hub.patch(
        f"/api/v1/webhooks/{created['id']}", json={"active": False}, headers={"X-CSRF-Token": created["csrf"]}
    )
    assert off.status == 200 and (await off.json())["active"] is False
    assert await referral_accepted(hub, db, ps02) is None
    with pytest.raises(ValueError, match="unknown webhook event"):
        async with db.write() as s:
            await enqueue_webhook(
                s, ps02, "referral.deleted", incident_no="", case_number="", state="", at=AT, dedupe_key="x"
            )


async def test_a_liaison_may_not_see_or_set_webhooks(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    csrf = await login(hub, "liaison_ps01")
    ps01 = await agency_id(db, "PS01")
    listed = await hub.get("/api/v1/webhooks")
    assert listed.status == 403 and (await listed.json())["error"]["code"] == "forbidden"
    created = await hub.post(
        "/api/v1/webhooks", json={"agency_id": ps01, "url": receiver.url}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status == 403
    assert (await hub.get("/api/v1/outbound")).status == 403
    assert (await hub.get("/admin/webhooks")).status == 403


async def test_an_admin_of_another_station_is_refused(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    ps01, ps02 = await agency_id(db, "PS01"), await agency_id(db, "PS02")
    theirs = await give_webhook(hub, receiver, "psb_admin", ps02)
    receiver.secrets = ["not-the-secret"]
    queued = await referral_accepted(hub, db, ps02)
    await wait_state(db, queued.id, "dead")
    hub.session.cookie_jar.clear()

    csrf = await login(hub, "station_admin_ps01")
    headers = {"X-CSRF-Token": csrf}
    refused = [
        await hub.post("/api/v1/webhooks", json={"agency_id": ps02, "url": receiver.url}, headers=headers),
        await hub.patch(
            f"/api/v1/webhooks/{theirs['id']}", json={"url": "https://evil.example/"}, headers=headers
        ),
        await hub.post(f"/api/v1/webhooks/{theirs['id']}/rotate", headers=headers),
        await hub.post(f"/api/v1/webhooks/{theirs['id']}/ping", headers=headers),
        await hub.delete(f"/api/v1/webhooks/{theirs['id']}", headers=headers),
        await hub.post(f"/api/v1/outbound/{queued.id}/resend", headers=headers),
    ]
    for response in refused:
        assert response.status == 403 and (await response.json())["error"]["code"] == "out_of_scope"
    assert (await (await hub.get("/api/v1/webhooks")).json())["items"] == []
    assert (await (await hub.get("/api/v1/outbound")).json())["total"] == 0
    page = await hub.post(f"/admin/outbound/{queued.id}/resend", data={"_csrf": csrf})
    assert page.status == 403
    # Their own station is theirs to set.
    own = await hub.post("/api/v1/webhooks", json={"agency_id": ps01, "url": receiver.url}, headers=headers)
    assert own.status == 201
    assert (await message(db, queued.id)).state == "dead"


async def test_the_pages_show_the_secret_once_and_resend_a_dead_letter(
    hub: TestClient, db: Database, receiver: LocalReceiver
) -> None:
    csrf = await login(hub, "station_admin_ps01")
    ps01 = await agency_id(db, "PS01")
    created = await hub.post(
        "/admin/webhooks", data={"_csrf": csrf, "agency_id": str(ps01), "url": receiver.url}
    )
    assert created.status == 201
    text = await created.text()
    secret = text.split('data-testid="new-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_") and secret not in await (await hub.get("/admin/webhooks")).text()

    queued = await referral_accepted(hub, db, ps01)  # the receiver does not know the secret yet
    await wait_state(db, queued.id, "dead")
    page = await (await hub.get("/admin/outbound")).text()
    assert f'data-id="{queued.id}"' in page and "未送达" in page
    receiver.secrets = [secret]
    resent = await hub.post(
        f"/admin/outbound/{queued.id}/resend", data={"_csrf": csrf}, allow_redirects=False
    )
    assert resent.status == 303
    await receiver.wait_for(lambda: queued.uid in receiver.accepted)

    [hook] = (await (await hub.get("/api/v1/webhooks")).json())["items"]
    rotated = await hub.post(f"/admin/webhooks/{hook['id']}/rotate", data={"_csrf": csrf})
    text = await rotated.text()
    assert rotated.status == 200 and 'data-testid="new-secret">whsec_' in text and "原密钥在" in text
    hub.session.cookie_jar.update_cookies({"gt_lang": "en"})
    english = await (await hub.get("/admin/webhooks")).text()
    assert "The previous secret also signs until" in english and "Send a test" in english


async def wait_state(db: Database, message_id: int, state: str, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while (await message(db, message_id)).state != state:
        assert time.monotonic() < deadline, f"message {message_id} never became {state}"
        await asyncio.sleep(0.05)
