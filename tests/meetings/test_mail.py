"""Invitations by e-mail, received by a real SMTP server (aiosmtpd) that the test starts on
loopback: who gets a message, in which language, with the calendar as ``text/calendar;
method=...`` and as ``invite.ics``, read back by icalendar and by ics; updates raise SEQUENCE,
cancellations say CANCEL; a dead, slow or plain-text-only server never undoes or holds up the
meeting change, and without an SMTP host nothing is sent at all."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import icalendar
import ics
import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from hub.app import create_app
from hub.audit import AuditEvent
from hub.config import Config
from hub.db import Database
from hub.i18n import gettext
from hub.models import User
from hub.notifications import Notification
from meetings.calendars.ical import Method
from meetings.mail import MAILER, Change, Content, Recipient, build_message
from tests.meetings.helpers import WRITTEN_FOR, Person, agency_ids, joint_series, user_ids

# The meetings below are a fixed calendar (December 2026); their reply links work only before them.
pytestmark = pytest.mark.clock(WRITTEN_FOR)

SENDER = "青川区公调对接平台 <noreply@qingchuan.example>"
MEETING = {"title": "公调对接专题会", "start": "2026-12-10T15:00:00", "end": "2026-12-10T16:30:00"}
# The meetings demo gives these people addresses at qingchuan.example; liaison_ps01 has none.
WITH_ADDRESS = ("psb_supervisor", "liaison_jb", "supervisor", "secretary")


class Inbox:
    """What the SMTP server was given: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], str, EmailMessage]] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            time.sleep(self.delay)  # the server's own thread: a slow relay, not a slow hub
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), envelope.mail_from, message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, _, m in self.received if rcpt == [address]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def mail_config(config: Config, port: int, **changes: Any) -> Config:
    settings = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": SENDER, "smtp_starttls": False}
    return config.with_overrides(**{"smtp_timeout_seconds": 5, **settings, **changes})


async def mailing_client(aiohttp_client: Any, config: Config) -> TestClient:
    client: TestClient = await aiohttp_client(create_app(config))
    return client


async def settle(client: TestClient) -> None:
    """Wait for the messages the hub has posted so far (sent in the background)."""
    assert client.app is not None
    await client.app[MAILER].drain()


def calendar_part(message: EmailMessage) -> tuple[str, bytes]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_param("charset") == "UTF-8"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part.get_param("method")), payload


def read_both(data: bytes) -> tuple[icalendar.Calendar, ics.Calendar]:
    return icalendar.Calendar.from_ical(data), ics.Calendar(data.decode("utf-8"))


def attendees(calendar: icalendar.Calendar) -> dict[str, str]:
    found = calendar.walk("VEVENT")[0].get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:"): str(a.params["PARTSTAT"]) for a in found}


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def set_locale(db: Database, username: str, locale: str) -> None:
    async with db.write() as s:
        await s.execute(update(User).where(User.username == username).values(locale=locale))


async def audit_rows(db: Database, action: str) -> list[AuditEvent]:
    async with db.read() as s:
        return list((await s.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_an_invitation_reaches_each_invitee_with_an_address_in_their_language(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    client = await mailing_client(aiohttp_client, mail_config(config, port))
    await set_locale(db, "psb_supervisor", "en")
    secretary = await Person.login(client, "secretary")
    invited = await user_ids(db, "psb_supervisor", "liaison_jb", "liaison_ps01")
    status, created = await secretary.post("/api/v1/meetings", {**MEETING, "invite_user_ids": invited})
    assert status == 201, created
    await settle(client)

    # One message each, to the two invitees with an address; liaison_ps01 has none.
    assert sorted(rcpt for rcpt, _, _ in server.received) == [
        ["liaison_jb@qingchuan.example"],
        ["psb_supervisor@qingchuan.example"],
    ]
    assert {sender for _, sender, _ in server.received} == {"noreply@qingchuan.example"}
    (chinese,) = server.to("liaison_jb@qingchuan.example")
    (english,) = server.to("psb_supervisor@qingchuan.example")
    when = "2026-12-10 15:00"
    params = {"meeting": MEETING["title"], "when": when}
    assert chinese["Subject"] == gettext("Invitation: %(meeting)s, %(when)s", "zh_CN") % params
    assert english["Subject"] == f"Invitation: {MEETING['title']}, {when}"
    assert "公调对接平台" in text_of(chinese) and "Police–mediation hub" in text_of(english)
    assert chinese["From"] == SENDER and chinese["Auto-Submitted"] == "auto-generated"
    assert chinese["Reply-To"] == "secretary@qingchuan.example"  # the organizer reads the answers

    method, data = calendar_part(chinese)
    assert method == "REQUEST"
    calendar, independent = read_both(data)
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == MEETING["title"]
    assert attendees(calendar) == {
        "psb_supervisor@qingchuan.example": "NEEDS-ACTION",
        "liaison_jb@qingchuan.example": "NEEDS-ACTION",
    }
    (event,) = independent.events
    assert event.begin.datetime == datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    assert event.name == MEETING["title"]
    # The same file, attached for people who import it by hand.
    (attached,) = [p for p in chinese.iter_attachments() if p.get_filename() == "invite.ics"]
    assert attached.get_content_type() == "application/ics" and attached.get_payload(decode=True) == data

    # The link in the message answers the invitation without logging in.
    link = next(w for w in text_of(chinese).split() if "/rsvp/" in w)
    client.session.cookie_jar.clear()
    response = await client.get(link.split(str(client.make_url("")).rstrip("/"), 1)[1])
    assert response.status == 200, await response.text()


async def test_people_of_an_invited_agency_get_it_and_a_move_raises_the_sequence(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    client = await mailing_client(aiohttp_client, mail_config(config, port))
    secretary = await Person.login(client, "secretary")
    status, created = await secretary.post("/api/v1/meetings", MEETING)
    assert status == 201, created
    meeting_id = created["meeting"]["id"]
    await settle(client)
    assert server.received == []  # nobody invited yet

    (psb,) = await agency_ids(db, "PSB")
    status, invited = await secretary.post(
        f"/api/v1/meetings/{meeting_id}/invitees", {"agency_ids": [psb], "roles": ["supervisor"]}
    )
    assert status == 200, invited
    await settle(client)
    (first,) = server.to("psb_supervisor@qingchuan.example")
    first_calendar, _ = read_both(calendar_part(first)[1])

    supervisor = await Person.login(client, "psb_supervisor")
    status, _ = await supervisor.post(f"/api/v1/meetings/{meeting_id}/rsvp", {"answer": "accepted"})
    assert status == 200
    secretary = await Person.login(client, "secretary")  # one client, one person at a time
    status, moved = await secretary.patch(
        f"/api/v1/meetings/{meeting_id}", {"start": "2026-12-11T09:00:00", "end": "2026-12-11T10:00:00"}
    )
    assert status == 200, moved
    await settle(client)
    first_again, update_message = server.to("psb_supervisor@qingchuan.example")
    assert first_again is first
    method, data = calendar_part(update_message)
    calendar, independent = read_both(data)
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert event["UID"] == first_calendar.walk("VEVENT")[0]["UID"]
    assert int(str(event["SEQUENCE"])) > int(str(first_calendar.walk("VEVENT")[0]["SEQUENCE"]))
    assert list(independent.events)[0].begin.datetime == datetime(2026, 12, 11, 1, 0, tzinfo=UTC)
    assert attendees(calendar) == {"psb_supervisor@qingchuan.example": "ACCEPTED"}
    assert "2026-12-11 09:00" in update_message["Subject"]


async def test_a_series_is_one_message_each_and_cancelling_it_sends_cancel(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    client = await mailing_client(aiohttp_client, mail_config(config, port))
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    await settle(client)
    people = ["liaison_jb", "psb_supervisor", "supervisor"]
    assert sorted(r[0] for r, _, _ in server.received) == [f"{p}@qingchuan.example" for p in people]
    method, data = calendar_part(server.received[0][2])
    calendar, independent = read_both(data)
    assert method == "REQUEST" and "RRULE" in calendar.walk("VEVENT")[0]
    assert len(independent.events) == 1  # the series is one event with its rule

    server.received.clear()
    one = created["meetings"][1]
    status, _ = await secretary.post(f"/api/v1/meetings/{one['id']}/cancel", {"reason": "春节假期"})
    assert status == 200
    await settle(client)
    assert len(server.received) == 3
    message = server.to("supervisor@qingchuan.example")[0]
    method, data = calendar_part(message)
    calendar, _ = read_both(data)
    assert (method, calendar["METHOD"]) == ("CANCEL", "CANCEL")
    assert "RECURRENCE-ID" in calendar.walk("VEVENT")[0]  # that one meeting, not the series
    assert "春节假期" in text_of(message)

    server.received.clear()
    status, _ = await secretary.post(f"/api/v1/meetings/series/{created['series']['id']}/cancel", {})
    assert status == 200
    await settle(client)
    assert len(server.received) == 3
    method, data = calendar_part(server.received[0][2])
    event = read_both(data)[0].walk("VEVENT")[0]
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED" and "RECURRENCE-ID" not in event
    assert str(event["UID"]) == created["series"]["uid"]


async def test_someone_asked_to_one_meeting_of_a_series_is_sent_that_meeting_alone(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    client = await mailing_client(aiohttp_client, mail_config(config, port))
    secretary = await Person.login(client, "secretary")
    created = await joint_series(secretary, db)
    await settle(client)
    server.received.clear()
    second = created["meetings"][1]
    (court,) = await user_ids(db, "liaison_court")
    async with db.write() as s:
        await s.execute(update(User).where(User.id == court).values(email="liaison_court@qingchuan.example"))
    status, _ = await secretary.post(f"/api/v1/meetings/{second['id']}/invitees", {"user_ids": [court]})
    assert status == 200
    await settle(client)
    (message,) = server.to("liaison_court@qingchuan.example")
    method, data = calendar_part(message)
    calendar, independent = read_both(data)
    (event,) = calendar.walk("VEVENT")
    assert method == "REQUEST" and "RRULE" not in event and "RECURRENCE-ID" not in event
    assert (
        str(event["UID"]).endswith(created["series"]["uid"]) and str(event["UID"]) != created["series"]["uid"]
    )
    (read_again,) = independent.events
    assert read_again.begin.datetime == datetime(2027, 1, 5, 7, 0, tzinfo=UTC)

    server.received.clear()  # cancelling that meeting cancels the event they have, by its own UID
    status, _ = await secretary.post(f"/api/v1/meetings/{second['id']}/cancel", {"reason": "春节假期"})
    assert status == 200
    await settle(client)
    method, data = calendar_part(server.to("liaison_court@qingchuan.example")[0])
    (cancelled,) = read_both(data)[0].walk("VEVENT")
    assert method == "CANCEL" and str(cancelled["UID"]) == str(event["UID"])
    method, data = calendar_part(server.to("supervisor@qingchuan.example")[0])
    assert "RECURRENCE-ID" in read_both(data)[0].walk("VEVENT")[0]  # followers: the series' occurrence


async def test_a_dead_mail_server_does_not_undo_the_change_and_is_recorded(
    aiohttp_client: Any, config: Config, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    client = await mailing_client(aiohttp_client, mail_config(config, free_port()))  # nobody listens
    secretary = await Person.login(client, "secretary")
    invited = await user_ids(db, "psb_supervisor", "liaison_jb")
    with caplog.at_level(logging.WARNING, logger="meetings.mail"):
        status, created = await secretary.post("/api/v1/meetings", {**MEETING, "invite_user_ids": invited})
        assert status == 201, created
        await settle(client)
    assert sorted(i["user_id"] for i in created["meeting"]["invitees"]) == sorted(invited)
    assert [r.getMessage() for r in caplog.records] == ["meeting e-mail failed"]
    (row,) = await audit_rows(db, "meeting.mail_failed")
    assert row.object_id == str(created["meeting"]["id"]) and sorted(row.data["users"]) == sorted(invited)
    assert "SMTPConnect" in row.data["error"]
    (secretary_id,) = await user_ids(db, "secretary")
    async with db.read() as s:
        told = (await s.scalars(select(Notification).where(Notification.kind == "meeting.mail_failed"))).all()
    assert [(n.user_id, n.params["count"]) for n in told] == [(secretary_id, 2)]


async def test_a_server_without_starttls_gets_nothing_in_clear_text(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    client = await mailing_client(aiohttp_client, mail_config(config, port, smtp_starttls=True))
    secretary = await Person.login(client, "secretary")
    invited = await user_ids(db, "liaison_jb")
    status, _ = await secretary.post("/api/v1/meetings", {**MEETING, "invite_user_ids": invited})
    assert status == 201
    await settle(client)
    assert server.received == []
    (row,) = await audit_rows(db, "meeting.mail_failed")
    assert "STARTTLS" in row.data["error"]


async def test_a_slow_mail_server_does_not_hold_up_the_answer(
    aiohttp_client: Any, config: Config, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    server.delay = 1.5
    client = await mailing_client(aiohttp_client, mail_config(config, port))
    secretary = await Person.login(client, "secretary")
    invited = await user_ids(db, "liaison_jb")
    started = time.perf_counter()
    status, _ = await secretary.post("/api/v1/meetings", {**MEETING, "invite_user_ids": invited})
    answered = time.perf_counter() - started
    assert status == 201
    assert answered < 1.0, f"the answer waited for the mail server ({answered:.2f} s)"
    await settle(client)
    assert len(server.received) == 1


async def test_without_an_smtp_host_nothing_is_sent(
    client: TestClient, db: Database, inbox: tuple[Inbox, int]
) -> None:
    server, _ = inbox
    secretary = await Person.login(client, "secretary")
    invited = await user_ids(db, "psb_supervisor", "liaison_jb")
    status, created = await secretary.post("/api/v1/meetings", {**MEETING, "invite_user_ids": invited})
    assert status == 201
    status, _ = await secretary.post(f"/api/v1/meetings/{created['meeting']['id']}/cancel", {})
    assert status == 200
    assert client.app is not None
    mailer = client.app[MAILER]
    assert not mailer.enabled and mailer.pending == 0
    await mailer.drain()
    assert server.received == [] and await audit_rows(db, "meeting.mail_failed") == []


@pytest.mark.parametrize(
    ("change", "method", "locale", "subject"),
    [
        (Change.INVITED, Method.REQUEST, "en", "Invitation: 联席会议 一月, 2027-01-05 15:00"),
        (Change.UPDATED, Method.REQUEST, "en", "Changed: 联席会议 一月, now 2027-01-05 15:00"),
        (Change.CANCELLED, Method.CANCEL, "en", "Cancelled: 联席会议 一月, 2027-01-05 15:00"),
    ],
)
def test_a_message_has_the_layout_calendar_clients_expect(
    change: Change, method: Method, locale: str, subject: str
) -> None:
    content = Content(
        change=change,
        method=method,
        title="联席会议 一月",
        when="2027-01-05 15:00",
        place="区司法局三楼会议室",
        organiser="青川区司法局",
        link="https://hub.qingchuan.example/meetings/7",
        calendar=b"BEGIN:VCALENDAR\r\nMETHOD:" + method.value.encode() + b"\r\nEND:VCALENDAR\r\n",
    )
    person = Recipient(5, '王 "芳"\n乙方', "wang.fang@qingchuan.example", locale)
    message = build_message(content, person, sender=SENDER, now=datetime(2026, 12, 1, tzinfo=UTC))
    wire = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert isinstance(wire, EmailMessage)
    assert wire["Subject"] == subject and wire["To"].addresses[0].addr_spec == "wang.fang@qingchuan.example"
    assert wire.get_content_type() == "multipart/mixed"
    alternative, attachment = wire.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/calendar"]
    assert list(alternative.iter_parts())[1].get_param("method") == method.value
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/ics", "invite.ics")
    assert all(ord(c) < 128 for c in bytes(message).decode("ascii"))  # 7-bit: any relay will take it
