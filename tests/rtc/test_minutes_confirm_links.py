"""A party confirms the minutes (调解笔录) from a confirmation-only link sent after the session: the
page states who took part, who did not and what was agreed, and shows the minutes exactly as the
PDF prints them (the same HTML); the last confirmation freezes them and renders their PDF once,
kept and served with an ETag. A link that cannot be used says so in Chinese and English, and
whom to ask. One party stayed away: nothing says "双方" or "全体当事人"."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.orm import utcnow
from hub.templating import JINJA
from rtc import aftercare
from rtc.minutes import documents
from rtc.models import MediationMinutes, MediationSession, Participant
from tests.rtc.helpers import another_browser
from tests.rtc.test_minutes_flow import held_session, last4_of
from tests.support.forms import srcdoc
from tests.support.web import csrf_token

pytestmark = pytest.mark.pg


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[list[TestClient]]:
    made = [await another_browser(client) for _ in range(3)]
    yield made
    for other in made:
        await other.close()


async def source_html(client: TestClient, db: Database, session_id: int) -> str:
    async with db.read() as s:
        session = await s.get(MediationSession, session_id)
        assert session is not None
        minutes = await s.scalar(select(MediationMinutes).where(MediationMinutes.session_id == session_id))
        document = await documents.minutes_document(
            s, client.app[JINJA], session, minutes, zone="Asia/Shanghai"
        )
    return document.html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
async def test_a_party_confirms_from_a_fresh_link_after_the_session_and_the_page_says_who_agreed(
    client: TestClient, db: Database, config: Config, browsers: list[TestClient], tmp_path: Path
) -> None:
    held = await held_session(client, db, browsers)
    came, away = held.parties
    async with db.write() as s:  # the second party never came in
        person = await s.get(Participant, away["id"])
        assert person is not None
        person.joined_at = person.admitted_at = None
    await aftercare.run(db, config, held.session_id)
    api = f"/api/v1{held.path}"
    status, minutes = await held.mediator.post(api + "/circulate", {})
    assert status == 200 and [c["name"] for c in minutes["confirmations"]] == [came["name"]]

    # The mediator's page previews the very HTML the PDF is made from.
    page = await (await held.mediator.client.get(held.path)).text()
    assert srcdoc(page) == await source_html(client, db, held.session_id)
    csrf = await csrf_token(held.mediator.client, held.path)

    async def send_link() -> str:
        sent = await held.mediator.client.post(f"{held.path}/links/{came['id']}", data={"_csrf": csrf})
        assert sent.status == 200
        found = re.search(r'data-testid="confirm-link">[^<]*/minutes/([A-Za-z0-9_-]+)<', await sent.text())
        assert found
        return found[1]

    old = await send_link()
    token = await send_link()  # sent again on request: the earlier link stops working
    stranger = browsers[2]  # a browser with no cookie of this session: the link alone opens the page
    replaced = await stranger.get(f"/minutes/{old}")
    assert replaced.status == 404 and 'data-code="confirm_link_unknown"' in await replaced.text()

    link = f"/minutes/{token}"
    opened = await stranger.get(link)
    text = await opened.text()
    assert opened.status == 200, text
    assert re.search(r'data-testid="present">[^<]*' + came["name"], text)
    assert re.search(r'data-testid="absent">[^<]*' + away["name"], text)
    assert 'data-outcome="agreed"' in text and "未到场的当事人未在本次调解中同意任何事项" in text
    printed = srcdoc(text)
    assert printed == await source_html(client, db, held.session_id)
    assert f"{away['name']}（" in printed and "未到场。" in printed
    for claim in ("全体当事人已确认", "双方达成调解协议", "全体当事人"):
        assert claim not in text and claim not in printed

    # A party asked for their ID digits at the door is asked again; then the confirmation freezes.
    form = {"_csrf": await csrf_token(stranger, link), "hash": minutes["hash"]}
    async with db.read() as s:
        person = await s.get(Participant, came["id"])
        assert person is not None
        asked = person.identity_check == "id_last4"
    if asked:
        wrong = await stranger.post(link, data={**form, "last4": "0000"}, allow_redirects=False)
        assert wrong.status == 403 and 'data-testid="confirm-error"' in await wrong.text()
        form["last4"] = await last4_of(db, came["party_id"])
    confirmed = await stranger.post(link, data=form, allow_redirects=False)
    assert confirmed.status == 303, await confirmed.text()
    async with db.read() as s:
        row = (
            await s.execute(
                select(MediationMinutes.status, MediationMinutes.pdf, MediationMinutes.pdf_sha256).where(
                    MediationMinutes.session_id == held.session_id
                )
            )
        ).one()
    assert row.status == "confirmed" and row.pdf.startswith(b"%PDF")  # rendered once, at freezing
    assert 'data-testid="minutes-frozen"' in await (await stranger.get(link)).text()

    for path, reader in ((link + "/minutes.pdf", stranger), (held.path + ".pdf", held.mediator.client)):
        kept = await reader.get(path)
        assert kept.status == 200 and kept.headers["ETag"] == f'"{row.pdf_sha256}"'
        assert await kept.read() == row.pdf
        again = await reader.get(path, headers={"If-None-Match": kept.headers["ETag"]})
        assert again.status == 304
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(row.pdf)
    flat = "".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert f"本笔录经到场当事人{came['name']}于" in flat and f"{away['name']}未到场，未参与确认" in flat
    assert "全体当事人" not in flat and "双方达成" not in flat

    # A link past its date: a page in both languages says what to do and whom to call.
    async with db.write() as s:
        person = await s.get(Participant, came["id"])
        assert person is not None
        person.confirm_expires_at = utcnow() - timedelta(minutes=1)
    expired = await stranger.get(link)
    page = await expired.text()
    assert expired.status == 410 and 'data-code="confirm_link_expired"' in page
    assert "确认调解笔录的链接已过期" in page and "This link to confirm the minutes has expired" in page
    assert 'data-testid="whom-to-call"' in page
