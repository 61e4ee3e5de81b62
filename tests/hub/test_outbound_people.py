"""Each person chooses how the hub reaches them (SMS, e-mail, both, none) on a page or through the
API; notify_person queues by that choice, in their language, and the messages arrive at the local
SMS gateway and a real SMTP server on loopback."""

import email
import email.policy
import socket
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller
from sqlalchemy import update

from hub.config import Config
from hub.db import Database
from hub.models import User
from hub.outbound import ParamsRefused, notify_person
from tests.hub.outbound_helpers import all_messages, manual_worker, sms_config, user_id
from tests.support.outbound import LocalGateway
from tests.support.web import login

NEW_REFERRAL = {
    "agency": "城关派出所",
    "case_number": "QC2026-000041",
    "deadline": "2026-12-08T02:00:00+00:00",
    "link": "https://hub.qingchuan.example/cases/41",
}


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


async def choose(client: TestClient, username: str, **body: str) -> Any:
    csrf = await login(client, username)
    return await client.put("/api/v1/me/contact", json=body, headers={"X-CSRF-Token": csrf})


async def tell(
    db: Database, username: str = "liaison_sr01", key: str = "referral:41:new", **params: Any
) -> list[Any]:
    async with db.write() as s:
        return await notify_person(
            s, await user_id(db, username), "staff.new_referral", {**NEW_REFERRAL, **params}, key
        )


@pytest.mark.pg
async def test_a_person_who_chose_sms_gets_a_new_referral_by_sms(
    client: TestClient, db: Database, config: Config, gateway: LocalGateway
) -> None:
    chosen = await choose(client, "liaison_sr01", notify_by="sms", phone="+86 139-0000-0001")
    assert chosen.status == 200
    assert await chosen.json() == {"notify_by": "sms", "phone": "13900000001", "email": ""}
    assert (await (await client.get("/api/v1/me/contact")).json())["notify_by"] == "sms"

    queued = await tell(db)
    assert [q.channel for q in queued] == ["sms"]
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once()
    assert gateway.texts("13900000001") == [
        "城关派出所移送案件QC2026-000041，请于2026年12月8日 10:00前受理：https://hub.qingchuan.example/cases/41"
    ]


async def test_both_means_sms_and_e_mail_and_none_means_neither(client: TestClient, db: Database) -> None:
    await choose(
        client, "liaison_sr01", notify_by="both", phone="13900000001", email="sr01@qingchuan.example"
    )
    queued = await tell(db)
    assert [q.channel for q in queued] == ["sms", "email"]
    rows = await all_messages(db)
    assert [r.dedupe_key for r in rows] == ["referral:41:new:sms", "referral:41:new:email"]
    assert {r.user_id for r in rows} == {await user_id(db, "liaison_sr01")}
    again = await tell(db)  # the same event told twice is one message per channel
    assert [(q.id, q.created) for q in again] == [(q.id, False) for q in queued]

    await client.put(
        "/api/v1/me/contact",
        json={"notify_by": "none", "phone": "13900000001"},
        headers={"X-CSRF-Token": await login(client, "liaison_sr01")},
    )
    assert await tell(db, key="referral:42:new") == []


async def test_a_choice_without_its_address_is_refused_in_the_callers_language(client: TestClient) -> None:
    refused = await choose(client, "liaison_sr01", notify_by="sms")
    assert refused.status == 422
    error = (await refused.json())["error"]
    assert error["message"] == "选择短信通知，须填写手机号码。" and error["details"][0]["field"] == "phone"
    landline = await choose(client, "liaison_sr01", notify_by="email", phone="0571-61100110", email="a@b.cn")
    assert landline.status == 422 and (await landline.json())["error"]["details"][0]["field"] == "phone"
    unknown = await choose(client, "liaison_sr01", notify_by="pigeon")
    assert unknown.status == 422


async def test_the_page_saves_the_choice_and_keeps_what_was_typed_when_it_cannot(client: TestClient) -> None:
    csrf = await login(client, "liaison_ps01")
    page = await client.get("/me/contact")
    assert page.status == 200 and 'value="email" checked' in await page.text()
    bad = await client.post("/me/contact", data={"_csrf": csrf, "notify_by": "both", "phone": "12345"})
    text = await bad.text()
    assert bad.status == 422 and "请填写11位手机号码" in text and 'value="12345"' in text
    good = await client.post(
        "/me/contact",
        data={"_csrf": csrf, "notify_by": "both", "phone": "13900000002", "email": "ps01@qc.example"},
    )
    assert good.status == 200 and 'data-testid="saved"' in await good.text()
    assert (await (await client.get("/api/v1/me/contact")).json())["notify_by"] == "both"


async def test_e_mail_arrives_through_the_relay_in_the_persons_language(
    client: TestClient, db: Database, config: Config, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    await choose(client, "liaison_sr01", notify_by="email", email="sr01@qingchuan.example")
    async with db.write() as s:
        await s.execute(update(User).where(User.username == "liaison_sr01").values(locale="en"))
    [queued] = await tell(db)
    mail = config.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="平台 <noreply@qingchuan.example>",
        smtp_starttls=False,
    )
    async with manual_worker(db, mail) as worker:
        await worker.run_once()
    [(recipients, message)] = box.received
    assert recipients == ["sr01@qingchuan.example"]
    assert message["Subject"] == "New referral QC2026-000041"
    assert message["Message-ID"] == f"<{queued.uid}@qingchuan.example>"
    body = message.get_body(("plain",))
    assert body is not None and "accept or decline it by 2026-12-08 10:00" in body.get_content()


async def test_parameters_are_checked_even_for_someone_who_wants_nothing(db: Database) -> None:
    async with db.write() as s:
        await s.execute(update(User).where(User.username == "liaison_ps01").values(notify_by="none"))
    with pytest.raises(ParamsRefused, match="summary"):
        await tell(db, "liaison_ps01", summary="张三与李四因宅基地发生纠纷")
    assert await tell(db, "liaison_ps01") == []


async def test_someone_who_left_is_not_notified(db: Database) -> None:
    async with db.write() as s:
        await s.execute(
            update(User)
            .where(User.username == "liaison_ps01")
            .values(active=False, notify_by="email", email="ps01@qingchuan.example")
        )
    assert await tell(db, "liaison_ps01") == []
