"""A session's parties hear of it by SMS (a local gateway): the link the mediator issues, with the
template's words and nothing about the dispute; reminders the day and the hour before, queued for
those times (the test clock, no waiting), moved with the session and dropped when it is cancelled."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.models import Agency
from hub.orm import utcnow
from hub.outbound.models import OutboundMessage
from hub.outbound.worker import WORKER
from referrals.models import Case, Party
from rtc import party_messages
from tests.hub.outbound_helpers import manual_worker, sms_config
from tests.hub.test_outbound_people import Mailbox
from tests.referrals.helpers import Person
from tests.rtc.helpers import case_in_mediation, schedule
from tests.support.outbound import LocalGateway
from tests.support.pg import free_port

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
pg = pytest.mark.pg  # withdrawing by key prefix, on both databases


@pytest.mark.parametrize(
    ("before_start", "planned"),
    [
        (timedelta(days=3), ["day", "hour"]),
        (timedelta(hours=5), ["hour"]),
        (timedelta(minutes=30), []),
        (-timedelta(hours=1), []),
    ],
)
def test_reminders_are_planned_only_for_times_still_ahead(
    before_start: timedelta, planned: list[str]
) -> None:
    start = NOW + before_start
    times = party_messages.reminder_times(start, NOW)
    assert [name for name, _ in times] == planned
    assert all(at == start - {"day": timedelta(days=1), "hour": timedelta(hours=1)}[n] for n, at in times)


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback, and its port."""
    port = free_port()
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
async def hub(aiohttp_client: Any, config: Config, gateway: LocalGateway) -> TestClient:
    app = create_app(sms_config(config, gateway, outbound_poll_seconds=1.0))
    client: TestClient = await aiohttp_client(app)
    return client


async def mobiles(db: Database, case_id: int) -> dict[int, str]:
    async with db.read() as s:
        rows = (await s.execute(select(Party.id, Party.phone).where(Party.case_id == case_id))).all()
    return {r.id: r.phone for r in rows}


async def reminders(db: Database, session_id: int) -> list[OutboundMessage]:
    async with db.read() as s:
        query = select(OutboundMessage).where(
            OutboundMessage.dedupe_key.startswith(party_messages.reminder_prefix(session_id))
        )
        return list((await s.scalars(query.order_by(OutboundMessage.id))).all())


async def test_a_party_gets_the_issued_link_by_sms_with_only_the_template_s_words(
    hub: TestClient, db: Database, config: Config, gateway: LocalGateway
) -> None:
    found = await case_in_mediation(db)
    mediator = await Person.login(hub, found.mediator_username)
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    session = await schedule(mediator, found.case_id, start=start.isoformat())
    party = next(p for p in session["participants"] if p["party_id"] is not None)
    phones = await mobiles(db, found.case_id)
    assert phones[party["party_id"]], "the demo's parties have mobile numbers"

    status, invitation = await mediator.post(
        f"/api/v1/mediations/{session['id']}/participants/{party['id']}/invitation", {}
    )
    assert status == 201
    await gateway.wait_for(lambda: bool(gateway.texts(phones[party["party_id"]])))
    async with db.read() as s:
        agency = await s.scalar(select(Agency.name).where(Agency.id == found.agency_id))
        case = await s.get(Case, found.case_id)
        names = (await s.scalars(select(Party.name).where(Party.case_id == found.case_id))).all()
    assert agency is not None and case is not None
    local = start.astimezone(ZoneInfo(config.time_zone))
    shown = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    [text] = gateway.texts(phones[party["party_id"]])
    assert text == (
        f"您好，{agency[:24]}邀请您于{shown}参加视频调解。"
        f"届时请点击链接进入（仅限本人使用，请勿转发）：{invitation['url']}"
    )
    assert case.number not in text and case.summary not in text
    assert not any(name in text for name in names)


@pg
async def test_reminders_wait_for_their_time_follow_the_session_and_go_with_it(
    hub: TestClient, db: Database, config: Config, gateway: LocalGateway
) -> None:
    # The app's own worker (on the wall clock) would send the news of the move the moment it is
    # queued, racing the cancellation that takes it back: the test's worker alone sends here.
    await hub.app[WORKER].stop()
    found = await case_in_mediation(db)
    mediator = await Person.login(hub, found.mediator_username)
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = await schedule(mediator, found.case_id, start=start.isoformat())
    parties = [p for p in session["participants"] if p["party_id"] is not None]

    queued = await reminders(db, session["id"])
    assert len(queued) == 2 * len(parties)
    assert sorted({m.next_attempt_at for m in queued}) == [
        start - timedelta(days=1),
        start - timedelta(hours=1),
    ]
    assert {m.expires_at for m in queued} == {start} and {m.template for m in queued} == {
        "party.hearing_reminder"
    }

    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(utcnow())
        assert gateway.requests == []  # not yet
        await worker.run_once(start - timedelta(days=1) + timedelta(minutes=1))
    assert len(gateway.accepted) == len(parties)  # the day before, one each
    assert all("请准时参加" in text for text in gateway.texts())

    later = start + timedelta(days=2)
    status, moved = await mediator.post(
        f"/api/v1/mediations/{session['id']}/reschedule", {"start": later.isoformat()}
    )
    assert status == 200, moved
    after = await reminders(db, session["id"])
    waiting = [m for m in after if m.state == "pending"]
    assert {m.expires_at for m in waiting} == {later}  # the old hour-before reminders went
    assert sorted({m.next_attempt_at for m in waiting}) == [
        later - timedelta(days=1),
        later - timedelta(hours=1),
    ]
    assert len([m for m in after if m.state == "sent"]) == len(parties)  # what was sent stays in the log

    status, _ = await mediator.post(f"/api/v1/mediations/{session['id']}/cancel", {})
    assert status == 200
    assert [m.state for m in await reminders(db, session["id"])] == ["sent"] * len(parties)
    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(later)
    # No reminder after the cancellation: only the cancellation itself (the news of the move,
    # not sent yet, was taken back with it).
    assert len(gateway.accepted) == 2 * len(parties)
    cancelled = [text for text in gateway.texts() if "已取消" in text]
    assert len(cancelled) == len(parties) and not any("改至" in text for text in gateway.texts())


async def test_a_session_starting_within_the_hour_has_no_reminders(hub: TestClient, db: Database) -> None:
    found = await case_in_mediation(db)
    mediator = await Person.login(hub, found.mediator_username)
    session = await schedule(mediator, found.case_id, start=(utcnow() + timedelta(minutes=40)).isoformat())
    assert await reminders(db, session["id"]) == []


async def test_a_party_with_an_e_mail_address_gets_the_issued_link_by_e_mail_too(
    aiohttp_client: Any,
    db: Database,
    config: Config,
    gateway: LocalGateway,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "公调平台 <noreply@qingchuan.example>"}
    hub = await aiohttp_client(create_app(sms_config(config, gateway, smtp_starttls=False, **mail)))
    found = await case_in_mediation(db)
    mediator = await Person.login(hub, found.mediator_username)
    session = await schedule(mediator, found.case_id)
    with_mail, without = [p for p in session["participants"] if p["party_id"] is not None][:2]
    async with db.write() as s:
        await s.execute(
            update(Party).where(Party.id == with_mail["party_id"]).values(email="wang.fang@example.cn")
        )

    urls = {}
    for party in (with_mail, without):
        status, invitation = await mediator.post(
            f"/api/v1/mediations/{session['id']}/participants/{party['id']}/invitation", {}
        )
        assert status == 201
        urls[party["id"]] = invitation["url"]
    await gateway.wait_for(lambda: len(gateway.texts()) == 2 and bool(box.received), timeout=20)
    [(recipients, message)] = box.received  # the other party has no address: SMS alone
    assert recipients == ["wang.fang@example.cn"] and message["Subject"] == "视频调解邀请"
    body = message.get_body(("plain",))
    assert body is not None and urls[with_mail["id"]] in body.get_content()
    assert urls[without["id"]] not in body.get_content()
