"""The room over real WebSockets (no browser): links, lobby, admission, caucus rules, and the
people who must be refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from hub.db import Database
from hub.orm import utcnow
from rtc.models import Participant
from tests.referrals.helpers import Person
from tests.rtc.helpers import (
    another_browser,
    case_in_mediation,
    claim,
    expect,
    expect_state,
    issue_link,
    open_socket,
    say,
    schedule,
)


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made: list[TestClient] = []
    for _ in range(3):
        made.append(await another_browser(client))
    yield made
    for other in made:
        await other.close()


async def _scheduled(client: TestClient, db: Database) -> tuple[Person, dict, list[dict]]:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(
        mediator,
        case.case_id,
        guests=[
            {"role": "party", "name": "王芳"},
            {"role": "party", "name": "李雷"},
        ],
    )
    guests = [p for p in session["participants"] if p["role"] == "party"]
    return mediator, session, guests


async def _guest_in(mediator: Person, browser: TestClient, session_id: int, pid: int) -> str:
    token = await issue_link(mediator, session_id, pid)
    status, secret = await claim(browser, token)
    assert status == 303 and secret
    return secret


async def _both_in_lobby(
    client: TestClient,
    mediator: Person,
    browsers: list[TestClient],
    sid: int,
    guests: list[dict],
    *,
    b_consent: str = "given",
) -> tuple[ClientWebSocketResponse, ClientWebSocketResponse, ClientWebSocketResponse, dict]:
    """The mediator in the room and both parties waiting in its lobby: the mediator's socket,
    party A's, party B's, and the mediator's welcome."""
    one = await _guest_in(mediator, browsers[0], sid, guests[0]["id"])
    two = await _guest_in(mediator, browsers[1], sid, guests[1]["id"])
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    welcome = (await expect(host, "welcome"))["data"]
    a = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": one})
    await say(a, "hello", {"consent": "given"})
    b = await open_socket(browsers[1], sid, cookies={f"gt_guest_{sid}": two})
    await say(b, "hello", {"consent": b_consent})
    await expect_state(host, lambda d: sum(m["state"] == "lobby" for m in d.get("members", [])) == 2)
    return host, a, b, welcome


async def test_a_guest_waits_in_the_lobby_until_the_mediator_admits_them(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    secret = await _guest_in(mediator, browsers[0], sid, guests[0]["id"])
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    welcome = await expect(host, "welcome")
    assert welcome["data"]["role"] == "mediator"
    guest = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": secret})
    await say(guest, "hello", {"consent": "given", "name": "王芳"})
    await expect(guest, "welcome")
    lobby = await expect_state(guest, lambda d: d["you"]["state"] == "lobby")
    assert "members" not in lobby  # lobby guests learn nothing of the room
    seen = await expect_state(host, lambda d: any(m["state"] == "lobby" for m in d.get("members", [])))
    waiting = [m for m in seen["members"] if m["state"] == "lobby"][0]
    assert waiting["participant"] == guests[0]["id"]
    await say(host, "admit", {"participant": guests[0]["id"]})
    admitted = await expect_state(guest, lambda d: d["you"]["state"] == "admitted")
    assert welcome["data"]["participant"] in admitted["you"]["peers"]
    assert admitted["recording"] is True  # both consented
    await host.close()
    await guest.close()


async def test_a_party_cannot_admit_remove_or_start_a_caucus(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host, a, b, _welcome = await _both_in_lobby(client, mediator, browsers, sid, guests)
    await say(host, "admit", {"participant": guests[0]["id"]})
    await expect_state(a, lambda d: d["you"]["state"] == "admitted")
    for kind, data in (
        ("admit", {"participant": guests[1]["id"]}),
        ("remove", {"participant": guests[1]["id"]}),
        ("caucus_start", {"participants": [guests[0]["id"]]}),
        ("mute", {"participant": guests[1]["id"]}),
        ("end", {"outcome": "agreed"}),
    ):
        await say(a, kind, data, ref=kind)
        error = await expect(a, "error")
        assert error["data"]["code"] == "not_allowed", kind
        assert error["id"] == kind
    # The one still in the lobby cannot even chat.
    await say(b, "chat", {"text": "hello"})
    assert (await expect(b, "error"))["data"]["code"] == "not_admitted"
    for ws in (host, a, b):
        await ws.close()


async def test_a_caucus_cuts_signalling_between_those_inside_and_those_outside(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host, a, b, welcome = await _both_in_lobby(client, mediator, browsers, sid, guests)
    me = welcome["participant"]
    await say(host, "admit", {"participant": guests[0]["id"]})
    await say(host, "admit", {"participant": guests[1]["id"]})
    await expect_state(b, lambda d: d["you"]["state"] == "admitted" and len(d["you"]["peers"]) == 2)
    # Before the caucus A may signal B.
    await say(
        a,
        "signal",
        {"to": guests[1]["id"], "candidate": {"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host"}},
    )
    relayed = await expect(b, "signal")
    assert relayed["data"]["from"] == guests[0]["id"]
    await say(host, "caucus_start", {"participants": [guests[0]["id"]]})
    outside = await expect_state(b, lambda d: d.get("caucus") is not None)
    assert outside["you"]["peers"] == []  # B sees nobody while the mediator talks with A
    inside = await expect_state(a, lambda d: d.get("caucus") is not None)
    assert inside["you"]["peers"] == [me] and inside["you"]["room"] == "caucus-1"
    await say(
        a,
        "signal",
        {"to": guests[1]["id"], "candidate": {"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host"}},
    )
    assert (await expect(a, "error"))["data"]["code"] == "forbidden_target"
    await say(b, "signal", {"to": me, "description": {"type": "offer", "sdp": "v=0"}})
    assert (await expect(b, "error"))["data"]["code"] == "forbidden_target"
    await say(host, "caucus_end", {"summary": "甲方同意分期付款"})
    back = await expect_state(b, lambda d: "caucus" in d and d["caucus"] is None)
    assert sorted(back["you"]["peers"]) == sorted([me, guests[0]["id"]])
    for ws in (host, a, b):
        await ws.close()


async def test_malformed_messages_get_an_error_code_and_the_room_goes_on(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    cases = [
        ("not json", "bad_json"),
        (json.dumps([1, 2]), "bad_envelope"),
        (json.dumps({"v": 2, "type": "ping", "data": {}}), "unsupported_version"),
        (json.dumps({"v": 1, "type": "teleport", "data": {}}), "unknown_type"),
        (json.dumps({"v": 1, "type": "chat", "data": {"text": ""}}), "bad_message"),
        (json.dumps({"v": 1, "type": "admit", "data": {"participant": "x"}}), "bad_message"),
        (json.dumps({"v": 1, "type": "admit", "data": {"participant": 999999}}), "no_such_participant"),
        (json.dumps({"v": 1, "type": "signal", "data": {"to": 1, "sneaky": True}}), "bad_message"),
        ("x" * 70_000, "too_large"),
        ("[" * 60_000, "bad_json"),  # nesting deep enough to exhaust the parser's recursion
    ]
    for text, code in cases:
        await host.send_str(text)
        error = await expect(host, "error")
        assert error["data"]["code"] == code, text[:40]
        assert error["data"]["message"]
    await say(host, "ping", ref=7)
    assert (await expect(host, "pong"))["id"] == 7
    await host.close()


async def test_a_deeply_nested_first_message_is_refused_and_the_room_goes_on(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    one = await _guest_in(mediator, browsers[0], sid, guests[0]["id"])
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    bad = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": one})
    await bad.send_str("[" * 60_000)
    assert (await expect(bad, "error"))["data"]["code"] == "bad_json"
    again = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": one})
    await say(again, "hello", {"consent": "given"})
    await expect(again, "welcome")
    await expect_state(host, lambda d: any(m["state"] == "lobby" for m in d.get("members", [])))
    for ws in (host, bad, again):
        await ws.close()


async def test_removing_the_party_of_a_caucus_ends_the_caucus_on_the_record(client, db, browsers) -> None:
    from sqlalchemy import select

    from rtc.models import SessionEvent

    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host, a, b, _welcome = await _both_in_lobby(client, mediator, browsers, sid, guests)
    await say(host, "admit", {"participant": guests[0]["id"]})
    await say(host, "admit", {"participant": guests[1]["id"]})
    await expect_state(b, lambda d: d["you"]["state"] == "admitted" and len(d["you"]["peers"]) == 2)
    await say(host, "caucus_start", {"participants": [guests[0]["id"]]})
    await expect_state(b, lambda d: d.get("caucus") is not None)
    await say(host, "remove", {"participant": guests[0]["id"]})
    await expect(a, "removed")
    back = await expect_state(b, lambda d: "caucus" in d and d["caucus"] is None)
    assert back["you"]["room"] == "main"
    async with db.read() as s:
        rows = (
            await s.execute(
                select(SessionEvent.kind, SessionEvent.room)
                .where(SessionEvent.session_id == sid)
                .order_by(SessionEvent.id)
            )
        ).all()
    kinds = [kind for kind, _room in rows]
    assert ("caucus_ended", "caucus-1") in rows  # the minutes see the caucus end here
    assert kinds.index("caucus_started") < kinds.index("removed") < kinds.index("caucus_ended")
    for ws in (host, a, b):
        await ws.close()


async def test_cancelling_a_session_tells_those_waiting_in_the_lobby(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    one = await _guest_in(mediator, browsers[0], sid, guests[0]["id"])
    a = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": one})
    await say(a, "hello", {"consent": "given"})
    await expect(a, "welcome")
    status, _ = await mediator.post(f"/api/v1/mediations/{sid}/cancel", {})
    assert status == 200
    ended = await expect(a, "ended")
    assert ended["data"]["reason"] == "cancelled"
    await a.close()


async def test_a_forged_origin_is_refused(client, db) -> None:
    mediator, session, _ = await _scheduled(client, db)
    with pytest.raises(Exception) as refused:
        await open_socket(client, session["id"], origin_header="http://evil.example")
    assert "403" in str(refused.value)


async def test_used_expired_and_revoked_links_are_refused(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    token = await issue_link(mediator, sid, guests[0]["id"])
    assert (await claim(browsers[0], token))[0] == 303
    used = await browsers[1].get(f"/join/{token}")
    assert used.status == 410 and 'data-code="link_used"' in await used.text()

    token = await issue_link(mediator, sid, guests[1]["id"])
    async with db.write() as s:
        await s.execute(
            update(Participant)
            .where(Participant.id == guests[1]["id"])
            .values(token_expires_at=utcnow() - timedelta(minutes=1))
        )
    expired = await browsers[1].get(f"/join/{token}")
    assert expired.status == 410 and 'data-code="link_expired"' in await expired.text()

    token = await issue_link(mediator, sid, guests[1]["id"])
    response = await mediator.client.delete(
        f"/api/v1/mediations/{sid}/participants/{guests[1]['id']}/invitation",
        headers={"X-CSRF-Token": mediator.csrf},
    )
    assert response.status == 200
    revoked = await browsers[1].get(f"/join/{token}")
    assert revoked.status == 410 and 'data-code="link_revoked"' in await revoked.text()
    unknown = await browsers[1].get("/join/not-a-token")
    assert unknown.status == 404


async def test_a_guest_of_one_session_cannot_enter_another(client, db, browsers) -> None:
    mediator, first, guests = await _scheduled(client, db)
    status, second = await mediator.post("/api/v1/mediations", {"case_id": first["case_id"]})
    assert status == 201
    secret = await _guest_in(mediator, browsers[0], first["id"], guests[0]["id"])
    # The cookie of session A, presented under session B's name and as A's own, at B's door.
    for name in (f"gt_guest_{second['id']}", f"gt_guest_{first['id']}"):
        with pytest.raises(Exception) as refused:
            await open_socket(browsers[1], second["id"], cookies={name: secret})
        assert "403" in str(refused.value)
    page = await browsers[1].get(
        f"/mediations/{second['id']}/room", headers={"Cookie": f"gt_guest_{second['id']}={secret}"}
    )
    assert page.status in (401, 403) or "/login" in str(page.url)


async def test_the_identity_check_wants_the_last_four_characters(client, db, browsers) -> None:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(mediator, case.case_id)  # parties on file, with their ID check
    party = next(p for p in session["participants"] if p["identity_check"] == "id_last4")
    token = await issue_link(mediator, session["id"], party["id"])
    status, secret = await claim(browsers[0], token, last4="0000")
    assert status == 403 and not secret
    # Still unused: the right digits open it.
    from referrals.models import Party

    async with db.read() as s:
        row = await s.get(Party, party["party_id"])
        assert row is not None
        last4 = row.id_number[-4:]
    status, secret = await claim(browsers[0], token, last4=last4)
    assert status == 303 and secret


def test_a_browser_sized_offer_fits_in_one_notification_when_relayed() -> None:
    from rtc.room.relay import pack, unpack

    lines = [
        f"a=candidate:{n} 1 udp 2122260223 192.168.{n % 250}.{n} {50000 + n} typ host generation 0"
        for n in range(60)
    ]
    sdp = "v=0\r\n" + "\r\n".join(lines) * 2
    assert len(sdp) > 8000
    packed = pack(json.dumps({"v": 1, "type": "hub_offer", "data": {"sdp": sdp}}))
    assert len(json.dumps(packed)) < 7000
    assert json.loads(unpack(packed))["data"]["sdp"] == sdp
    assert unpack(pack("short")) == "short"


async def test_after_the_session_a_fresh_link_leads_to_the_minutes(client, db, browsers) -> None:
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    await say(host, "end", {"outcome": "adjourned"})
    await expect(host, "ended")
    token = await issue_link(mediator, sid, guests[0]["id"])
    client_b = browsers[0]
    client_b.session.cookie_jar.clear()
    from tests.support.web import csrf_token

    csrf = await csrf_token(client_b, f"/join/{token}")
    response = await client_b.post(f"/join/{token}", data={"_csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/mediations/{sid}/minutes/confirm"
    room = await client_b.get(f"/mediations/{sid}/room", allow_redirects=False)
    assert room.status == 410  # the room itself is closed


async def test_the_session_moves_the_referral_into_mediation_and_a_failed_one_out(client, db) -> None:
    from sqlalchemy import select

    from hub.models import User, UserRole
    from referrals.models import Referral, ReferralEvent

    async with db.write() as s:  # an accepted referral, its mediator assigned (as the agency would)
        referral = await s.scalar(select(Referral).where(Referral.state == "accepted").order_by(Referral.id))
        assert referral is not None
        mediator_user = await s.scalar(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == referral.to_agency_id, UserRole.role == "mediator")
        )
        assert mediator_user is not None
        referral.mediator_id = mediator_user.id
        case_id, username = referral.case_id, mediator_user.username
    mediator = await Person.login(client, username)
    session = await schedule(mediator, case_id)
    sid = session["id"]
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    async with db.read() as s:
        referral = await s.get(Referral, session["referral_id"])
        assert referral is not None and referral.state == "in_mediation"
    await say(host, "end", {"outcome": "not_agreed", "note": "双方分歧过大"})
    await expect(host, "ended")
    async with db.read() as s:
        referral = await s.get(Referral, session["referral_id"])
        assert referral is not None and referral.state == "failed"
        last = await s.scalar(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.id.desc())
        )
        assert last is not None and last.action == "fail" and last.reason == "双方分歧过大"


async def test_a_flood_of_messages_is_slowed_down_not_obeyed(client, db) -> None:
    mediator, session, _ = await _scheduled(client, db)
    host = await open_socket(client, session["id"])
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    for n in range(150):
        await say(host, "ping", ref=n)
    codes = []
    for _ in range(150):
        body = await expect_any(host)
        if body["type"] in ("pong", "error"):
            codes.append(body["type"] if body["type"] == "pong" else body["data"]["code"])
    assert "rate_limited" in codes and codes.count("pong") >= 60
    await host.close()


async def expect_any(ws) -> dict:  # type: ignore[no-untyped-def]
    msg = await ws.receive(timeout=5)
    return dict(json.loads(msg.data))


async def test_a_refusal_is_recorded_and_recording_stops_only_if_the_mediator_lets_them_in(
    client, db, browsers
) -> None:
    from sqlalchemy import select

    from rtc.models import SessionEvent

    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host, a, b, _welcome = await _both_in_lobby(client, mediator, browsers, sid, guests, b_consent="refused")
    await say(host, "admit", {"participant": guests[0]["id"]})
    recording = await expect_state(
        host,
        lambda d: any(m["state"] == "admitted" and m["participant"] == guests[0]["id"] for m in d["members"]),
    )
    assert recording["recording"] is True
    waiting = next(m for m in recording["members"] if m["participant"] == guests[1]["id"])
    assert waiting["consent"] == "refused"  # the mediator sees it before deciding
    await say(host, "admit", {"participant": guests[1]["id"]})
    stopped = await expect_state(a, lambda d: len(d["you"]["peers"]) == 2)
    assert stopped["recording"] is False
    wanted = {"consent_refused", "recording_started", "recording_stopped"}
    for _ in range(50):  # the pages hear of a change first, the record follows (dispatch._admit)
        async with db.read() as s:
            kinds = set(
                (await s.scalars(select(SessionEvent.kind).where(SessionEvent.session_id == sid))).all()
            )
        if wanted <= kinds:
            break
        await asyncio.sleep(0.05)
    assert wanted <= kinds
    for ws in (host, a, b):
        await ws.close()


async def test_a_room_nobody_is_in_is_let_go_but_the_session_stays_open(client, db, monkeypatch) -> None:
    from rtc.models import MediationSession
    from rtc.room import relay
    from rtc.room.host import ROOMS

    monkeypatch.setattr(relay, "BEAT_SECONDS", 0.05)
    monkeypatch.setattr(relay, "IDLE_SECONDS", 0.2)
    mediator, session, _ = await _scheduled(client, db)
    host = await open_socket(client, session["id"])
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")
    rooms = client.server.app[ROOMS]
    live = rooms.get(session["id"])
    assert live is not None
    await host.close()
    for _ in range(100):
        if rooms.get(session["id"]) is None:
            break
        await asyncio.sleep(0.05)
    assert rooms.get(session["id"]) is None
    async with db.read() as s:
        row = await s.get(MediationSession, session["id"])
        assert row is not None and row.status == "live" and row.host_instance == ""
    again = await open_socket(client, session["id"])  # and it opens again
    await say(again, "hello", {"consent": "given"})
    await expect(again, "welcome")
    await again.close()


async def test_evidence_shown_by_the_mediator_reaches_those_let_in_even_from_another_process(
    client, db, browsers
) -> None:
    from referrals.evidence import demo
    from rtc.room.host import ROOMS
    from tests.referrals.evidence.test_evidence import upload

    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    status, photo = await upload(mediator, session["case_id"], demo.photo_png(), "现场照片.png")
    assert status == 201, photo
    host, a, b, welcome = await _both_in_lobby(client, mediator, browsers, sid, guests)
    assert photo["id"] in [e["id"] for e in welcome["evidence"]]
    shown = photo["id"]
    await say(host, "admit", {"participant": guests[0]["id"]})
    await expect_state(a, lambda d: d["you"]["state"] == "admitted")
    path = f"/mediations/{sid}/shared/{shown}"
    assert (await browsers[0].get(path)).status == 404  # nothing shown yet
    await say(host, "share", {"evidence_id": shown})
    await expect_state(a, lambda d: d.get("shared") is not None)
    response = await browsers[0].get(path)
    assert response.status == 200 and len(await response.read()) > 0
    assert (await browsers[1].get(path)).status == 403  # still in the lobby
    # The same answers when the room is held by another process: the record is asked instead.
    rooms = client.server.app[ROOMS]
    live = rooms.rooms.pop(sid)
    try:
        assert (await browsers[0].get(path)).status == 200
        assert (await browsers[1].get(path)).status == 403
    finally:
        rooms.rooms[sid] = live
    await say(host, "share", {"evidence_id": None})
    await expect_state(a, lambda d: d.get("shared") is None)
    assert (await browsers[0].get(path)).status == 404
    live = rooms.rooms.pop(sid)
    try:
        assert (await browsers[0].get(path)).status == 404
    finally:
        rooms.rooms[sid] = live
    for ws in (host, a, b):
        await ws.close()


async def test_a_guest_secret_expires_on_the_server_not_only_in_the_cookie(client, db, browsers) -> None:
    # A browser keeps a cookie as long as it likes (#15, finding 5): a week after opening the link
    # the server no longer lets that secret in, whatever the cookie's Max-Age said.
    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    secret = await _guest_in(mediator, browsers[0], sid, guests[0]["id"])
    inside = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": secret})
    await inside.close()
    async with db.write() as s:  # the link was opened eight days ago
        await s.execute(
            update(Participant)
            .where(Participant.id == guests[0]["id"])
            .values(token_used_at=utcnow() - timedelta(days=8))
        )
    with pytest.raises(Exception) as refused:
        await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": secret})
    assert "403" in str(refused.value)


async def test_those_waiting_prepare_their_connections_and_admit_all_lets_them_in_at_once(
    client, db, browsers, monkeypatch
) -> None:
    from rtc import recordings

    mediator, session, guests = await _scheduled(client, db)
    sid = session["id"]
    host, a, b, welcome = await _both_in_lobby(client, mediator, browsers, sid, guests)
    me, a_id, b_id = welcome["participant"], guests[0]["id"], guests[1]["id"]
    waiting = await expect_state(a, lambda d: sorted(d["you"]["standby"]) == sorted([me, b_id]))
    assert waiting["you"]["peers"] == [] and "members" not in waiting
    # A waiting guest's offer reaches the mediator (a connection made ready, nothing sent on it).
    await say(a, "signal", {"to": me, "description": {"type": "offer", "sdp": "v=0"}})
    assert (await expect(host, "signal"))["data"]["from"] == a_id
    await say(a, "admit_all", {})
    assert (await expect(a, "error"))["data"]["code"] == "not_allowed"

    # The record refuses the admission: they go back to the lobby, and the pages hear it.
    async def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(recordings, "admitted", broken)
    await say(host, "admit_all", {})
    await expect_state(a, lambda d: d["you"]["state"] == "admitted")
    back = await expect_state(a, lambda d: d["you"]["state"] == "lobby")
    assert sorted(back["you"]["standby"]) == sorted([me, b_id])
    assert (await expect(host, "error"))["data"]["code"] == "bad_message"
    monkeypatch.undo()
    await say(host, "admit_all", {})
    both = await expect_state(b, lambda d: d["you"]["state"] == "admitted")
    assert sorted(both["you"]["peers"]) == sorted([me, a_id]) and both["you"]["standby"] == []
    for ws in (host, a, b):
        await ws.close()


async def test_a_page_is_welcomed_before_its_arrival_is_written_and_let_go_if_it_cannot_be(
    client, db, browsers, monkeypatch
) -> None:
    from sqlalchemy import select

    from rtc import recordings
    from rtc.models import SessionEvent

    mediator, session, guests = await _scheduled(client, db)
    sid, pid = session["id"], guests[0]["id"]
    secret = await _guest_in(mediator, browsers[0], sid, pid)
    host = await open_socket(client, sid)
    await say(host, "hello", {"consent": "given"})
    await expect(host, "welcome")

    async def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(recordings, "arrived", broken)
    guest = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": secret})
    await say(guest, "hello", {"consent": "given"})
    assert (await expect(guest, "welcome"))["data"]["participant"] == pid  # not held by the disk
    await expect_state(host, lambda d: any(m["participant"] == pid for m in d.get("members", [])))
    # Nobody stays whom the record does not show arrived (with their consent): the page is let go.
    closed = await guest.receive(timeout=5)
    while closed.type.name == "TEXT":
        closed = await guest.receive(timeout=5)
    assert guest.close_code == 1011
    await expect_state(
        host, lambda d: not any(m["participant"] == pid and m["connected"] for m in d.get("members", []))
    )
    monkeypatch.undo()
    # The page comes back by itself, and this time the record shows it.
    again = await open_socket(browsers[0], sid, cookies={f"gt_guest_{sid}": secret})
    await say(again, "hello", {"consent": "given"})
    await expect(again, "welcome")
    await expect_state(again, lambda d: d["you"]["state"] == "lobby")
    for _ in range(50):
        async with db.read() as s:
            kinds = (
                await s.scalars(
                    select(SessionEvent.kind).where(
                        SessionEvent.session_id == sid, SessionEvent.participant_id == pid
                    )
                )
            ).all()
        if "joined" in kinds:
            break
        await asyncio.sleep(0.05)
    assert "joined" in kinds and "consent_given" in kinds
    for ws in (host, again):
        await ws.close()
