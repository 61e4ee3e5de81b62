"""From an ended session to confirmed minutes (调解笔录): the record is written as the room writes it
(joins, consent, a caucus, recordings with speaking segments, chat and notes in both rooms); the
after-session work drafts the minutes once however often it runs; the mediator edits and sends
them; each party confirms online with the cookie their link gave them; the last confirmation
freezes them. The PDF reads back with pdftotext. Those who must be refused are."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub.audit import AuditEvent
from hub.config import Config
from hub.db import Database
from referrals.models import Party
from rtc import aftercare
from rtc.models import (
    ChatMessage,
    MediationMinutes,
    MediationSession,
    MediatorNote,
    Participant,
    Recording,
    SessionEvent,
    SpeechSegment,
    TranscriptSegment,
)
from tests.referrals.helpers import Person
from tests.rtc.helpers import another_browser, case_in_mediation, claim, issue_link, schedule
from tests.support.web import csrf_token

pytestmark = pytest.mark.pg
SECRET = "私下可以多让一千元"
T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Held:
    mediator: Person
    session_id: int
    case_number: str
    mediator_pid: int
    parties: list[dict]  # the two parties who took part, as the API shows them
    browsers: list[TestClient]  # each party's own browser, holding their guest cookie

    @property
    def path(self) -> str:
        return f"/mediations/{self.session_id}/minutes"


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made = [await another_browser(client) for _ in range(3)]
    yield made
    for other in made:
        await other.close()


async def last4_of(db: Database, party_id: int | None) -> str:
    async with db.read() as s:
        row = await s.get(Party, party_id)
        return row.id_number[-4:] if row is not None and row.id_number else ""


async def write_record(db: Database, session_id: int, mediator: int, a: int, b: int) -> None:
    """What the room and the recording peer write during a 30-minute session with one caucus."""
    async with db.write() as s:
        session = await s.get(MediationSession, session_id)
        assert session is not None
        session.status, session.started_at, session.ended_at, session.outcome = (
            "ended",
            at(0),
            at(1800),
            "agreed",
        )
        for pid, joined in ((mediator, 0), (a, 40), (b, 50)):
            person = await s.get(Participant, pid)
            assert person is not None
            person.joined_at, person.admitted_at = at(joined), at(joined + 5)
            person.consent, person.consent_at = "given", at(joined)
        timeline = [
            (0, "started", None, "main", {}),
            (40, "joined", a, "main", {"state": "lobby"}),
            (45, "admitted", a, "main", {}),
            (50, "joined", b, "main", {"state": "lobby"}),
            (55, "admitted", b, "main", {}),
            (55, "recording_started", None, "main", {}),
            (600, "caucus_started", mediator, "caucus-1", {"members": [mediator, a]}),
            (900, "caucus_ended", mediator, "caucus-1", {"summary": ""}),
            (1700, "left", b, "main", {}),
            (1800, "ended", mediator, "main", {"outcome": "agreed"}),
        ]
        for second, kind, who, room, data in timeline:
            s.add(
                SessionEvent(
                    session_id=session_id, participant_id=who, at=at(second), kind=kind, room=room, data=data
                )
            )
        speech = {  # (participant, room): speaking segments in seconds from the start
            (mediator, "main"): [(60, 90)],
            (a, "main"): [(100, 190), (240, 270)],
            (b, "main"): [(200, 230)],
            (a, "caucus-1"): [(610, 700)],
        }
        for (pid, room), spans in speech.items():
            recording = Recording(
                session_id=session_id,
                participant_id=pid,
                room=room,
                path=f"recordings/{session_id}/p{pid}-{room}.wav",
                started_at=at(0),
                ended_at=at(1800),
                duration_seconds=1800.0,
                sha256="0" * 64,
                size=0,
            )
            s.add(recording)
            await s.flush()
            for start, end in spans:
                s.add(
                    SpeechSegment(
                        session_id=session_id,
                        recording_id=recording.id,
                        participant_id=pid,
                        room=room,
                        start_at=at(start),
                        end_at=at(end),
                    )
                )
        s.add(
            ChatMessage(session_id=session_id, participant_id=b, at=at(210), room="main", text="我同意先赔偿")
        )
        s.add(ChatMessage(session_id=session_id, participant_id=a, at=at(620), room="caucus-1", text=SECRET))
        s.add(MediatorNote(session_id=session_id, at=at(300), room="main", text="双方情绪平稳"))
        s.add(MediatorNote(session_id=session_id, at=at(630), room="caucus-1", text=SECRET))


async def put(person: Person, path: str, body: Any) -> tuple[int, Any]:
    response = await person.client.put(path, json=body, headers={"X-CSRF-Token": person.csrf})
    return response.status, await response.json()


async def held_session(client: TestClient, db: Database, browsers: list[TestClient]) -> Held:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    session = await schedule(mediator, case.case_id)  # the parties on file, checked by ID where on file
    parties = [p for p in session["participants"] if p["role"] == "party"][:2]
    assert len(parties) == 2, session
    for party, browser in zip(parties, browsers, strict=False):
        token = await issue_link(mediator, session["id"], party["id"])
        last4 = await last4_of(db, party["party_id"]) if party["identity_check"] == "id_last4" else ""
        status, secret = await claim(browser, token, last4)
        assert status == 303 and secret
    mediator_pid = next(p["id"] for p in session["participants"] if p["role"] == "mediator")
    await write_record(db, session["id"], mediator_pid, parties[0]["id"], parties[1]["id"])
    return Held(mediator, session["id"], session["title"], mediator_pid, parties, browsers)


async def minutes_row(db: Database, session_id: int) -> MediationMinutes:
    async with db.read() as s:
        row = await s.scalar(select(MediationMinutes).where(MediationMinutes.session_id == session_id))
        assert row is not None
        return row


async def audit_actions(db: Database) -> list[str]:
    async with db.read() as s:
        rows = await s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "mediation_minutes")
            .order_by(AuditEvent.id)
        )
        return list(rows.all())


async def confirm_as(browser: TestClient, held: Held) -> int:
    page = await browser.get(held.path + "/confirm")
    assert page.status == 200
    text = await page.text()
    assert 'data-testid="confirm-form"' in text, text
    digest = text.split('name="hash" value="', 1)[1].split('"', 1)[0]
    csrf = await csrf_token(browser, held.path + "/confirm")
    response = await browser.post(
        held.path + "/confirm", data={"_csrf": csrf, "hash": digest}, allow_redirects=False
    )
    return response.status


async def test_the_minutes_are_drafted_once_edited_sent_and_confirmed_by_each_party(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient]
) -> None:
    held = await held_session(client, db, browsers)
    await aftercare.run(db, config, held.session_id)
    await aftercare.run(db, config, held.session_id)  # a second run changes nothing
    assert await audit_actions(db) == ["mediation.minutes_drafted"]
    api = f"/api/v1{held.path}"
    status, minutes = await held.mediator.get(api)
    assert status == 200 and minutes["status"] == "draft"
    text = minutes["text"]
    assert "# 调解笔录" in text and f"案号：{held.case_number}" in text
    assert "| 14:10:00 | 背对背调解开始（调解员与" in text
    assert SECRET not in text
    speaking = next(s["text"] for s in minutes["sections"] if s["key"] == "speaking")
    a, b = (p["name"] for p in held.parties)
    assert f"| {a} | 当事人" in speaking and "| 2分0秒 | 2 | 67% |" in speaking
    assert f"| {b} | 当事人" in speaking and "| 30秒 | 1 | 17% |" in speaking

    # The parties see nothing before the mediator sends the minutes.
    page = await browsers[0].get(held.path + "/confirm")
    assert page.status == 200 and 'data-testid="minutes-not-ready"' in await page.text()
    assert (await browsers[0].get(held.path + ".pdf")).status == 404

    # The mediator edits a section on the page, and sends the minutes.
    page = await held.mediator.client.get(held.path)
    assert page.status == 200 and 'name="section-notes-count"' in await page.text()
    # The preview follows what is typed, as it will print, and saves nothing.
    preview = await held.mediator.client.post(
        held.path + "/preview", data={"_csrf": held.mediator.csrf, "section-notes": "预览里的一句话。"}
    )
    assert preview.status == 200 and "预览里的一句话。" in (await preview.json())["html"]
    # A caucus summary being typed is quoted in the preview as saving it would (drafted again).
    typed = {
        "_csrf": held.mediator.csrf,
        "section-notes": "预览里的一句话。",
        "caucus_summary": "正在输入的说明",
    }
    preview = await held.mediator.client.post(held.path + "/preview", data=typed)
    html = (await preview.json())["html"]
    assert "调解员说明：正在输入的说明" in html and "预览里的一句话。" in html
    saved = await minutes_row(db, held.session_id)
    assert saved.edits == {} and saved.include_caucus_summary == ""
    status, edited = await put(
        held.mediator, api, {"sections": {"notes": "14:05:00　双方情绪平稳，同意调解。"}}
    )
    assert status == 200 and next(s for s in edited["sections"] if s["key"] == "notes")["edited"]
    status, sent = await held.mediator.post(api + "/circulate", {})
    assert status == 200 and sent["status"] == "circulated"

    # One party confirms; a later edit takes the minutes back to draft and voids that confirmation.
    assert await confirm_as(browsers[0], held) == 303
    status, minutes = await held.mediator.get(api)
    assert [c["confirmed_at"] is not None for c in minutes["confirmations"]] == [True, False]
    status, edited = await put(held.mediator, api, {"caucus_summary": "调解员向申请人释明了法律规定"})
    assert edited["status"] == "draft" and not any(c["confirmed_at"] for c in edited["confirmations"])
    assert "调解员说明：调解员向申请人释明了法律规定" in edited["text"]
    await held.mediator.post(api + "/circulate", {})

    # Both confirm: the minutes are frozen by the hash of their text.
    assert await confirm_as(browsers[0], held) == 303
    assert await confirm_as(browsers[1], held) == 303
    status, minutes = await held.mediator.get(api)
    assert minutes["status"] == "confirmed" and minutes["frozen_hash"] == minutes["hash"]
    status, refused = await put(held.mediator, api, {"sections": {"notes": "改一下"}})
    assert status == 409 and refused["error"]["code"] == "minutes_confirmed"
    status, refused = await held.mediator.post(api + "/draft", {})
    assert status == 409
    page = await browsers[1].get(held.path + "/confirm")
    assert 'data-testid="minutes-frozen"' in await page.text()

    async with db.read() as s:
        confirmed = (
            await s.scalars(
                select(SessionEvent.participant_id).where(
                    SessionEvent.session_id == held.session_id, SessionEvent.kind == "minutes_confirmed"
                )
            )
        ).all()
        people = {
            p.id: p for p in (await s.scalars(select(Participant))).all() if p.session_id == held.session_id
        }
    assert sorted(p for p in confirmed if p is not None) == sorted(
        [held.parties[0]["id"]] * 2 + [held.parties[1]["id"]]
    )
    assert all(people[p["id"]].minutes_confirmed_at is not None for p in held.parties)
    assert await audit_actions(db) == [
        "mediation.minutes_drafted",
        "mediation.minutes_edited",
        "mediation.minutes_circulated",
        "mediation.minutes_confirmed",
        "mediation.minutes_edited",
        "mediation.minutes_circulated",
        "mediation.minutes_confirmed",
        "mediation.minutes_confirmed",
        "mediation.minutes_frozen",
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
async def test_the_pdf_shows_the_case_the_participants_the_caucus_and_speaking_times(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient], tmp_path: Path
) -> None:
    held = await held_session(client, db, browsers)
    await aftercare.run(db, config, held.session_id)
    await held.mediator.post(f"/api/v1{held.path}/circulate", {})
    response = await browsers[0].get(held.path + ".pdf")  # a party, by the cookie of their link
    assert response.status == 200 and response.content_type == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(await response.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "调解笔录" in flat and held.case_number in flat
    for party in held.parties:
        assert party["name"] in flat
    assert "背对背调解开始" in flat and "14:10:00" in flat
    assert "2分0秒" in flat and "30秒" in flat and "67%" in flat
    assert "调解员（签字）" in flat and "当事人（签字）" in flat
    assert SECRET not in flat
    assert "第1页" in flat and "页/共" in flat
    staff = await held.mediator.client.get(held.path + ".pdf")
    assert staff.status == 200


async def test_those_who_must_be_refused_are(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient]
) -> None:
    held = await held_session(client, db, browsers)
    await aftercare.run(db, config, held.session_id)
    api = f"/api/v1{held.path}"
    # A party cannot edit, redraft or send the minutes (no account; the forms need staff).
    party = browsers[0]
    assert (await party.put(api, json={"sections": {"notes": "x"}})).status in (401, 403)
    csrf = await csrf_token(party, held.path + "/confirm")
    form = await party.post(held.path, data={"_csrf": csrf, "step": "save"}, allow_redirects=False)
    assert form.status in (401, 403) or "/login" in form.headers.get("Location", "")
    # ...nor confirm minutes that were not sent.
    form = await party.post(held.path + "/confirm", data={"_csrf": csrf, "hash": "x"}, allow_redirects=False)
    assert form.status == 409
    # A liaison of another agency does not even learn that the session exists.
    other = await Person.login(browsers[2], "liaison_ps02")
    assert (await other.get(api))[0] == 404
    assert (await other.client.get(held.path + ".pdf")).status == 404
    assert (await other.client.get(held.path, allow_redirects=False)).status == 404
    # A guest of another session is refused, with their own cookie or with it renamed.
    status, second = await held.mediator.post("/api/v1/mediations", {"case_id": await case_of(db, held)})
    assert status == 201
    stranger = browsers[2]
    guest = second["participants"][1]
    token = await issue_link(held.mediator, second["id"], guest["id"])
    last4 = await last4_of(db, guest["party_id"]) if guest["identity_check"] == "id_last4" else ""
    status, secret = await claim(stranger, token, last4)
    assert status == 303
    await held.mediator.post(f"{api}/circulate", {})
    assert (await stranger.get(held.path + ".pdf", allow_redirects=False)).status == 403
    forged = {"Cookie": f"gt_guest_{held.session_id}={secret}"}
    assert (await stranger.get(held.path + ".pdf", headers=forged, allow_redirects=False)).status == 403
    assert (await stranger.get(held.path + "/confirm", allow_redirects=False)).status == 403
    # Staff who may only see the session read the minutes without the editor.
    supervisor = await Person.login(browsers[2], "supervisor")
    page = await supervisor.client.get(held.path, allow_redirects=False)
    assert page.status == 200  # the justice bureau's supervisor sees the sessions of the agencies below
    body = await page.text()
    assert 'data-testid="minutes-text"' in body and 'name="section-notes-count"' not in body
    status, _ = await put(supervisor, api, {"sections": {"notes": "x"}})
    assert status == 403


async def case_of(db: Database, held: Held) -> int:
    async with db.read() as s:
        session = await s.get(MediationSession, held.session_id)
        assert session is not None
        return session.case_id


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="needs espeak-ng, sox"
)
async def test_aftercare_transcribes_each_recording_once_at_absolute_times(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient]
) -> None:
    pytest.importorskip("pocketsphinx")
    held = await held_session(client, db, browsers)
    speaker = held.parties[0]["id"]
    relative = f"recordings/{held.session_id}/spoken.wav"
    wav = config.data_dir / relative
    wav.parent.mkdir(parents=True, exist_ok=True)
    raw = wav.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-w", str(raw), "hello world this is a test"], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    async with db.write() as s:
        row = Recording(
            session_id=held.session_id,
            participant_id=speaker,
            room="main",
            path=relative,
            started_at=at(100),
            ended_at=at(103),
            duration_seconds=3.0,
            sha256="0" * 64,
            size=wav.stat().st_size,
        )
        s.add(row)
    engine_config = dataclasses.replace(config, transcribe_engine="pocketsphinx")
    written = await aftercare.transcribe(db, engine_config, held.session_id)
    assert written >= 1
    assert await aftercare.transcribe(db, engine_config, held.session_id) == 0  # already done
    async with db.read() as s:
        rows = (
            await s.scalars(select(TranscriptSegment).where(TranscriptSegment.session_id == held.session_id))
        ).all()
        count = await s.scalar(select(func.count(TranscriptSegment.id)))
    assert count == written == len(rows)
    assert all(r.participant_id == speaker and r.engine == "pocketsphinx" for r in rows)
    assert all(at(100) <= r.start_at <= r.end_at <= at(104) for r in rows)
    assert all(r.text.strip() for r in rows)  # what the words are is rtc/transcribe.py's own test
    await aftercare.draft_minutes(db, engine_config, held.session_id)
    text = (await minutes_row(db, held.session_id)).content
    statements = next(s for s in text["sections"] if s["key"] == "statements")["paragraphs"]
    assert statements[0].startswith("（以下陈述根据各人分轨录音自动转写起草")
    assert [p.split("（", 1)[0] for p in statements[1:]] == [held.parties[0]["name"]]
    # The session page says the transcription is done (the mediator's browser is this client).
    page = await (await client.get(f"/mediations/{held.session_id}")).text()
    assert 'data-testid="transcription" data-state="finished"' in page and "发言已转写进笔录草稿" in page
