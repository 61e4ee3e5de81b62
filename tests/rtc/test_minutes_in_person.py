"""A face-to-face mediation gets the same 调解笔录 as a video one: the mediator records the session
from the case (date, times, place, who came), the 记录人 types each party's statements, the rights
acknowledged and the 回避 answer in a plain form, and the PDF reads back with every element of the
record. A video session's PDF carries the 记录人's corrections too, and says 录音 when only sound
was recorded. The PDF is also made without HTTP, from a session id (for the case file). Those who
must be refused are."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.config import Config
from hub.db import Database
from hub.permissions import Scope
from referrals import for_mediation
from referrals.models import Referral, ReferralEvent
from rtc import aftercare
from rtc.minutes.documents import session_minutes_pdf
from tests.referrals.helpers import Person
from tests.rtc.helpers import another_browser, case_in_mediation
from tests.rtc.test_minutes_flow import held_session
from tests.support.clock import DEFAULT_NOW
from tests.support.web import csrf_token

pytestmark = pytest.mark.pg
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
SAID = "楼上卫生间漏水三次，要求赔偿维修费一千五百元。"
ANSWER = "漏水属实，同意赔偿，但希望分两期支付。"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made = [await another_browser(client) for _ in range(3)]
    yield made
    for other in made:
        await other.close()


async def form(person: Person, path: str, data: dict[str, Any]) -> tuple[int, str]:
    csrf = await csrf_token(person.client, path)
    response = await person.client.post(path, data={"_csrf": csrf, **data}, allow_redirects=False)
    return response.status, response.headers.get("Location", "")


@needs_pdftotext
async def test_a_face_to_face_session_is_recorded_from_the_case_and_its_minutes_read_back(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    page = await mediator.client.get(f"/mediations/in-person/new?case_id={case.case_id}")
    assert page.status == 200 and 'data-testid="in-person-form"' in await page.text()
    async with db.read() as s:
        info = await for_mediation.case_for_mediation(s, Scope(None), case.case_id)
    came, away = ({"id": p.party_id, "name": p.name} for p in info.parties[:2])

    status, location = await form(
        mediator,
        "/mediations/in-person/new",
        {
            "case_id": str(case.case_id),
            "date": "2026-12-07",
            "start": "09:00",
            "end": "09:50",
            "place": "东湖派出所调解室",
            "present": str(came["id"]),
            "other_name-0": "孙律师",
            "other_role-0": "lawyer",
            "recorded_media": "audio",
            "outcome": "adjourned",
        },
    )
    assert status == 303 and location.endswith("/entries"), location
    session_id = int(location.split("/")[2])
    status, session = await mediator.get(f"/api/v1/mediations/{session_id}")
    assert session["mode"] == "in_person" and session["status"] == "ended"
    people = {p["name"]: p for p in session["participants"]}
    assert people[came["name"]]["joined_at"] and people[away["name"]]["joined_at"] is None

    # The 记录人's plain form: rights acknowledged at 09:05, no withdrawal asked for, two statements.
    entries = await mediator.client.get(location)
    assert entries.status == 200 and 'data-testid="entries-form"' in await entries.text()
    party, lawyer = people[came["name"]]["id"], people["孙律师"]["id"]
    status, location = await form(
        mediator,
        f"/mediations/{session_id}/entries",
        {
            f"ack-{party}": "1",
            f"ack_time-{party}": "09:05",
            "recusal": "none",
            "recorded_media": "audio",
            "rows": "4",
            "speaker-0": str(party),
            "said-0": SAID,
            "speaker-1": str(lawyer),
            "said-1": ANSWER,
            "speaker-2": "",
            "said-2": "",
        },
    )
    assert status == 303 and location == f"/mediations/{session_id}/minutes"
    minutes = await mediator.client.get(location)
    assert minutes.status == 200 and 'data-testid="edit-statements"' in await minutes.text()

    response = await mediator.client.get(f"/mediations/{session_id}/minutes.pdf")
    assert response.status == 200
    flat = pdf_text(await response.read(), tmp_path)
    for element in (
        "调解笔录",
        "调解方式：现场调解",
        "调解时间：09:00:00—09:50:00",
        "调解地点：东湖派出所调解室",
        "记录人：",
        f"未到场人员：{away['name']}",
        "权利义务告知及回避",
        f"{came['name']}（",
        "听清楚了。（09:05:00确认）",
        "各方当事人均表示不申请回避。",
        "当事人陈述",
        SAID,
        "孙律师（代理律师）：" + ANSWER,
        "本次调解未结束，另行安排时间继续调解。",
        "同步录制：录音",
        "以上笔录经当事人阅读",
        "当事人（签字）",
        "调解员（签字）",
        "记录人（签字）",
    ):
        assert element in flat, element
    assert "录音录像" not in flat
    assert f"/mediations/{session_id}" not in flat and "/cases/" not in flat and "http" not in flat
    assert flat.index(SAID) < flat.index(ANSWER)

    # The same record joins the case's file (一案一档), under its own title.
    volume = await mediator.client.get(f"/cases/{case.case_id}/casefile.pdf")
    assert volume.status == 200
    filed = pdf_text(await volume.read(), tmp_path)
    assert "调解笔录（现场调解）" in filed and SAID in filed


@pytest.mark.clock(DEFAULT_NOW)  # its data are a fixed calendar around the default instant
async def test_the_api_records_a_face_to_face_session_and_refuses_what_it_must(
    client: TestClient, db: Database, browsers: list[TestClient]
) -> None:
    case = await case_in_mediation(db)
    mediator = await Person.login(client, case.mediator_username)
    held = {
        "case_id": case.case_id,
        "start": "2026-12-07T08:30:00+08:00",
        "end": "2026-12-07T09:30:00+08:00",
        "place": "村委会调解室",
        "outcome": "not_agreed",
    }
    status, refused = await mediator.post("/api/v1/mediations/in-person", {**held, "end": held["start"]})
    assert status == 422, refused
    status, refused = await mediator.post(
        "/api/v1/mediations/in-person",
        {**held, "start": "2026-12-08T08:30:00+08:00", "end": "2026-12-08T09:00:00+08:00"},
    )
    assert status == 422, refused  # not held yet
    status, session = await mediator.post("/api/v1/mediations/in-person", held)
    assert status == 201 and session["mode"] == "in_person" and session["place"] == "村委会调解室"
    api = f"/api/v1/mediations/{session['id']}/entries"
    status, entries = await mediator.get(api)
    assert status == 200 and entries["statements"] == [] and entries["typed"] is False
    party = entries["rights"][0]["participant_id"]
    body = {
        "rights": [{"participant_id": party, "acknowledged_at": "2026-12-07T08:35:00+08:00"}],
        "recusal": "requested",
        "recusal_note": "被申请人申请调解员回避，调解委员会决定更换调解员。",
        "statements": [{"participant_id": party, "text": SAID}],
    }
    response = await mediator.client.put(api, json=body, headers={"X-CSRF-Token": mediator.csrf})
    minutes = await response.json()
    assert response.status == 200, minutes
    assert "当事人申请回避：被申请人申请调解员回避" in minutes["text"]
    assert "（08:35:00确认）" in minutes["text"] and SAID in minutes["text"]
    assert "经调解，双方未能达成调解协议。" in minutes["text"]
    status, again = await mediator.get(api)
    assert again["typed"] is True and again["statements"] == body["statements"]

    # A statement by nobody present, and a withdrawal asked without saying who: refused.
    for wrong in (
        {**body, "statements": [{"participant_id": 10**6, "text": "x"}]},
        {**body, "recusal_note": ""},
    ):
        response = await mediator.client.put(api, json=wrong, headers={"X-CSRF-Token": mediator.csrf})
        assert response.status == 422
    # Staff who may only see, and another agency, may not enter anything.
    supervisor = await Person.login(browsers[0], "supervisor")
    response = await supervisor.client.put(api, json=body, headers={"X-CSRF-Token": supervisor.csrf})
    assert response.status == 403
    other = await Person.login(browsers[1], "liaison_ps02")
    assert (await other.get(api))[0] == 404
    assert (await other.post("/api/v1/mediations/in-person", held))[0] in (403, 404)


@needs_pdftotext
async def test_a_video_sessions_minutes_pdf_is_made_without_http_with_the_recorders_entries(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient], tmp_path: Path
) -> None:
    held = await held_session(client, db, browsers)
    await aftercare.run(db, config, held.session_id)
    api = f"/api/v1/mediations/{held.session_id}/entries"
    first, second = (p["id"] for p in held.parties)
    body = {
        "rights": [
            {"participant_id": first, "acknowledged_at": "2026-11-03T14:01:00+08:00"},
            {"participant_id": second, "acknowledged_at": "2026-11-03T14:01:10+08:00"},
        ],
        "recusal": "none",
        "statements": [{"participant_id": first, "text": SAID}, {"participant_id": second, "text": ANSWER}],
    }
    response = await held.mediator.client.put(api, json=body, headers={"X-CSRF-Token": held.mediator.csrf})
    assert response.status == 200, await response.text()
    page = await held.mediator.client.get(f"/mediations/{held.session_id}/entries")
    assert page.status == 200 and SAID in await page.text()

    flat = pdf_text(await session_minutes_pdf(db, held.session_id, zone=config.time_zone), tmp_path)
    for element in (
        "调解方式：视频调解",
        "调解地点：视频调解（线上）",
        "记录人：",
        "到场人员：",
        "听清楚了。（14:01:00确认）",
        "听清楚了。（14:01:10确认）",
        "各方当事人均表示不申请回避。",
        f"{held.parties[0]['name']}（",
        SAID,
        ANSWER,
        "同步录制：录音",
        "分轨录音（每人一轨）",
        "到场人员均同意录音。",
        "经调解，双方达成调解协议。",
        "记录人（签字）",
    ):
        assert element in flat, element
    assert "录音录像" not in flat and "/cases/" not in flat and "http" not in flat


async def test_a_face_to_face_session_starts_the_mediation_as_one(client: TestClient, db: Database) -> None:
    case = await case_in_mediation(db)
    async with db.write() as s:  # accepted, its mediator assigned, the first session not yet held
        await s.execute(update(Referral).where(Referral.case_id == case.case_id).values(state="accepted"))
    mediator = await Person.login(client, case.mediator_username)
    held = {
        "case_id": case.case_id,
        "start": "2026-12-07T08:30:00+08:00",
        "end": "2026-12-07T09:30:00+08:00",
        "place": "村委会调解室",
        "outcome": "adjourned",
    }
    status, session = await mediator.post("/api/v1/mediations/in-person", held)
    assert status == 201, session
    async with db.read() as s:
        event = await s.scalar(
            select(ReferralEvent)
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(Referral.case_id == case.case_id, ReferralEvent.action == "start_mediation")
            .order_by(ReferralEvent.id.desc())
            .limit(1)
        )
    assert event is not None and event.data == {"via": "in_person_session"}  # not "video_session"
