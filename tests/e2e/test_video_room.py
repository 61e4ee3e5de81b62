"""Three people mediate by video in Chromium with fake cameras and a fake microphone file: the
mediator schedules the session and hands out links, the parties open them, consent, wait in the
lobby and are let in; every page receives the others' video; a caucus with one party cuts the other
party off from both; the caucus ends; one party's network drops and the page comes back by itself;
the session ends and the recordings and speaking segments are in the record."""

from __future__ import annotations

import array
import asyncio
import re
import subprocess
import wave
from pathlib import Path

import av
import pytest
from playwright.async_api import Browser, BrowserContext, Page
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.models import User
from rtc.models import MediationSession, Participant, Recording, SessionEvent, SpeechSegment
from tests.rtc.audio import RATE, speech
from tests.rtc.helpers import case_in_mediation
from tests.support.browser import MEDIA_FLAGS, chromium, log_in
from tests.support.server import serve_in_process

pytestmark = [pytest.mark.browser, pytest.mark.rtc, pytest.mark.slow]
SPEECH_SECONDS, SILENCE_SECONDS = 1.5, 1.5  # the fake microphone: speech half of the time


def microphone_file(path: Path) -> Path:
    """1.5 s of speech, 1.5 s of quiet, looped by Chromium: half of any long stretch is speech."""
    samples = array.array("h", speech(SPEECH_SECONDS, seed=3))
    samples.extend([0] * int(SILENCE_SECONDS * RATE))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


async def login(context: BrowserContext, base: str, username: str) -> Page:
    page = await context.new_page()
    await log_in(page, base, username)
    return page


async def frames_from(page: Page) -> dict[int, int]:
    inbound = await page.evaluate("window.gongtiaoRoom.inbound()")
    return {int(pid): row["video_frames"] for pid, row in inbound.items()}


async def until(check, timeout: float = 20.0, step: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {check.__name__}")
        await asyncio.sleep(step)


async def receives_video_from(page: Page, pids: set[int], timeout: float = 25.0) -> None:
    """Frames keep arriving from each of these participants (measured twice, growing)."""

    async def flowing() -> bool:
        before = await frames_from(page)
        await asyncio.sleep(0.5)
        after = await frames_from(page)
        return all(after.get(p, 0) > before.get(p, 0) > 0 for p in pids)

    flowing.__name__ = f"video from {sorted(pids)}"
    try:
        await until(flowing, timeout)
    except AssertionError as exc:  # say what the page had
        seen = await page.evaluate(
            "(async () => JSON.stringify({inbound: await window.gongtiaoRoom.inbound(),"
            " you: window.gongtiaoRoom.state && window.gongtiaoRoom.state.you,"
            " hub: window.gongtiaoRoom.hubState()}))()"
        )
        raise AssertionError(f"{exc}: {seen}") from None


async def wait_js(page: Page, expression: str, timeout: float = 20.0) -> None:
    """Poll an expression (wait_for_function would need 'unsafe-eval', which our CSP forbids)."""

    async def holds() -> bool:
        return bool(await page.evaluate(expression))

    holds.__name__ = expression
    await until(holds, timeout)


async def enter(page: Page, timeout: float = 20.0) -> int:
    await page.get_by_test_id("join-room").click()
    await wait_js(page, "window.gongtiaoRoom && window.gongtiaoRoom.me !== null", timeout)
    return int(await page.evaluate("window.gongtiaoRoom.me"))


async def test_three_people_mediate_with_a_caucus_and_a_dropped_connection(
    config: Config, db: Database, tmp_path: Path
) -> None:
    case = await case_in_mediation(db)
    mic = microphone_file(tmp_path / "mic.wav")
    flags = MEDIA_FLAGS + [f"--use-file-for-fake-audio-capture={mic}"]
    config = config.with_overrides(record_video=True)  # the operator allows video recording...
    async with serve_in_process(config) as base, chromium(flags) as browser:
        mediator_context = await browser.new_context()
        mediator = await login(mediator_context, base, case.mediator_username)
        # Schedule from the page, parties without the ID check, and hand out two links.
        await mediator.goto(f"{base}/mediations/new?case_id={case.case_id}")
        await mediator.locator("input[name=check]").uncheck()
        await mediator.locator("input[name=record_video]").check()  # ...and this session wants it
        await mediator.get_by_test_id("schedule").click()
        await mediator.get_by_test_id("to-session").click()  # from the printable invitations
        await mediator.wait_for_url(f"{base}/mediations/*")
        session_id = int(mediator.url.rsplit("/", 1)[1])
        rows = mediator.locator("[data-testid=participants] tr[data-participant]")
        party_ids = []
        for i in range(await rows.count()):
            if await rows.nth(i).locator("button[data-testid^=issue-]").count():
                party_ids.append(int(await rows.nth(i).get_attribute("data-participant") or 0))
        assert len(party_ids) >= 2
        a_id, b_id = party_ids[:2]
        links = []
        for pid in (a_id, b_id):
            await mediator.get_by_test_id(f"issue-{pid}").click()
            links.append(await mediator.get_by_test_id("join-url").input_value())

        parties: list[Page] = []
        for link in links:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(link)
            await page.get_by_test_id("continue").click()
            await page.wait_for_url(f"{base}/mediations/{session_id}/room")
            await page.get_by_test_id("consent-yes").check()
            await until(  # the camera, before joining
                lambda page=page: page.evaluate("document.getElementById('preview').srcObject !== null"), 30
            )
            await enter(page)
            await page.get_by_test_id("lobby").wait_for(state="visible")
            # The pre-check's view, hidden now, let go of the camera (it would still take its frames).
            assert await page.evaluate("document.getElementById('preview').srcObject === null")
            parties.append(page)
        a, b = parties

        await mediator.goto(f"{base}/mediations/{session_id}/room")
        m_id = await enter(mediator)
        # While they wait, every pair's connection is made ready and carries nothing either way.
        for page, others in ((mediator, {a_id, b_id}), (a, {m_id, b_id}), (b, {m_id, a_id})):
            await until(lambda page=page, others=others: _standing_by(page, others), 60)
        await asyncio.sleep(1)  # a moment for anything sent by mistake to show in the counters
        for page in (mediator, a, b):
            assert await _standing_by(page, None), "media crossed a standby connection"
            assert await page.evaluate("window.gongtiaoRoom.peers()") == []
        assert await a.locator(".tile").count() == 0 and not await a.locator("#stage").is_visible()
        await mediator.get_by_test_id("admit-all").focus()  # one key lets both in
        await mediator.keyboard.press("Enter")
        await a.get_by_test_id("tiles").wait_for(state="visible")
        await receives_video_from(mediator, {a_id, b_id})
        await receives_video_from(a, {m_id, b_id})
        await receives_video_from(b, {m_id, a_id})
        assert await mediator.get_by_test_id("rec").get_attribute("data-on") == "yes"

        # Caucus with A: B's page stops receiving the mediator's and A's media.
        await mediator.get_by_test_id(f"caucus-{a_id}").click()
        await until(lambda: _peers_are(b, []))
        await until(lambda: _peers_are(a, [m_id]))
        assert await b.locator(f".tile[data-participant='{a_id}']").count() == 0
        assert await b.get_by_test_id("notice").is_visible()
        await asyncio.sleep(2)  # a stretch of private talk to be recorded apart
        await mediator.get_by_test_id("caucus-end").click()
        await receives_video_from(b, {m_id, a_id})

        # A's network drops and comes back: the page reconnects by itself.
        await a.context.set_offline(True)
        await wait_js(a, "document.getElementById('conn').dataset.state === 'warn'", 20)
        await asyncio.sleep(1)
        await a.context.set_offline(False)
        await wait_js(a, "document.getElementById('conn').dataset.state === 'ok'", 20)
        await receives_video_from(a, {m_id, b_id})
        await receives_video_from(mediator, {a_id, b_id})
        await asyncio.sleep(3)  # some more joint talk

        mediator.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))  # "end for everyone?"
        await mediator.get_by_test_id("outcome").select_option("agreed")
        await mediator.get_by_test_id("end-session").click()
        for page in (a, b):
            await wait_js(page, "document.getElementById('room').dataset.ended === 'yes'", 15)
        await _the_record_holds_the_session(db, session_id, m_id, a_id, b_id)
        videos = list((config.data_dir / "recordings" / str(session_id)).glob("*.webm"))
        assert videos and all(v.stat().st_size > 1000 for v in videos)
        for video in videos:  # Chromium's VP8 as it sent it, and it decodes
            with av.open(str(video)) as container:
                assert container.streams.video[0].codec_context.name == "vp8"
                assert next(container.decode(video=0)).key_frame
        text = await _minutes_text(mediator, base, session_id, tmp_path)
        await _the_minutes_tell_the_truth(db, text, session_id)
        await browser_cleanup(browser)


async def _minutes_text(page: Page, base: str, session_id: int, tmp_path: Path) -> str:
    """The minutes PDF as the mediator downloads it, read back with pdftotext."""

    async def drafted() -> bool:
        response = await page.request.get(f"{base}/mediations/{session_id}/minutes.pdf")
        return response.status == 200

    await until(drafted, 30, 1.0)
    response = await page.request.get(f"{base}/mediations/{session_id}/minutes.pdf")
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(await response.body())
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


async def _the_minutes_tell_the_truth(db: Database, text: str, session_id: int) -> None:
    """Participants, the caucus in the timeline, and each one's main-room speaking time close to
    half of what was recorded of them in the main room (the fake microphone speaks half the time)."""
    assert "调 解 笔 录" in text or "调解笔录" in text
    assert "背对背调解开始" in text and "重新连接" in text
    async with db.read() as s:
        people = (await s.scalars(select(Participant).where(Participant.session_id == session_id))).all()
        recordings = (await s.scalars(select(Recording).where(Recording.session_id == session_id))).all()
    speaking = text.split("发言统计", 1)[1]
    for person in people:
        if person.joined_at is None:
            continue
        assert person.display_name in text
        found = re.search(rf"{person.display_name}\s+\S+\s+(?:(\d+)分)?(\d+)秒", speaking)
        assert found, person.display_name
        shown = int(found.group(1) or 0) * 60 + int(found.group(2))
        recorded = sum(
            r.duration_seconds for r in recordings if r.participant_id == person.id and r.room == "main"
        )
        assert abs(shown - recorded / 2) <= max(2.5, 0.25 * recorded), (person.display_name, shown, recorded)


async def _standing_by(page: Page, others: set[int] | None) -> bool:
    """Standby connections (to ``others``, or all the page has) connected, with no media sent or
    received on any of them."""
    rows = {int(pid): row for pid, row in (await page.evaluate("window.gongtiaoRoom.inbound()")).items()}
    if others is not None and (set(rows) != others or any(r["state"] != "connected" for r in rows.values())):
        return False
    quiet = all(
        r["standby"] and r["video_frames"] == r["audio_bytes"] == r["sent_bytes"] == 0 for r in rows.values()
    )
    assert quiet, rows
    return True


async def _peers_are(page: Page, expected: list[int]) -> bool:
    return sorted(await page.evaluate("window.gongtiaoRoom.peers()")) == sorted(expected)


async def browser_cleanup(browser: Browser) -> None:
    for context in browser.contexts:
        await context.close()


async def _the_record_holds_the_session(
    db: Database, session_id: int, m_id: int, a_id: int, b_id: int
) -> None:
    async def ended() -> bool:
        async with db.read() as s:
            session = await s.get(MediationSession, session_id)
            return session is not None and session.status == "ended"

    await until(ended, 10)
    async with db.read() as s:
        kinds = [
            e.kind
            for e in (
                await s.scalars(select(SessionEvent).where(SessionEvent.session_id == session_id))
            ).all()
        ]
        recordings = (await s.scalars(select(Recording).where(Recording.session_id == session_id))).all()
        speech_rows = (
            await s.scalars(select(SpeechSegment).where(SpeechSegment.session_id == session_id))
        ).all()
        mediator = await s.scalar(
            select(User).join(MediationSession, MediationSession.mediator_id == User.id)
        )
    assert mediator is not None
    for kind in ("admitted", "caucus_started", "caucus_ended", "rejoined", "recording_started", "ended"):
        assert kind in kinds, kind
    rooms = {(r.participant_id, r.room) for r in recordings}
    assert (a_id, "caucus-1") in rooms and (m_id, "caucus-1") in rooms
    assert (b_id, "main") in rooms and not any(
        r.participant_id == b_id and r.room != "main" for r in recordings
    )
    # Speaking time: the fake microphone beeps half the time, so about half of what was recorded is
    # speech. On a starved machine (two cores shared with other test runs) the measured share falls
    # (0.29 seen, with 108 s recorded and 31 s spoken); a broken voice detector gives 0 or all of
    # it. The band tells those apart without depending on the machine's load.
    for pid in (m_id, a_id, b_id):
        recorded = sum(r.duration_seconds for r in recordings if r.participant_id == pid)
        spoken = sum((x.end_at - x.start_at).total_seconds() for x in speech_rows if x.participant_id == pid)
        assert recorded > 5
        assert 0.2 * recorded < spoken < 0.7 * recorded, (pid, spoken, recorded)
