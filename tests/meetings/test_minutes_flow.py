"""From the meeting to approved minutes: attendance, a case proposed for review, a decision and an
action are recorded; the draft is assembled, edited, circulated and commented; the chair (and only
the chair) approves it; frozen minutes refuse edits but take a new revision; the PDF reads back
with pdftotext in Chinese."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.models import User
from meetings.models import Minutes
from tests.hub.test_docform import form_of
from tests.meetings.helpers import Person, agency_ids, joint_series

pytestmark = pytest.mark.pg
DECISION = "由公安分局牵头，对超期案件逐件督办"
ACTION = "督促派出所完成超期案件的受理"


async def held_meeting(client: TestClient, db: Database) -> tuple[Person, dict[str, Any]]:
    """The first meeting of the joint series, held: attendance, a case review, a decision, an action."""
    secretary = await Person.login(client, "secretary")
    meeting = (await joint_series(secretary, db))["meetings"][0]
    path = f"/api/v1/meetings/{meeting['id']}"
    status, proposed = await secretary.get(path + "/proposed-cases")
    assert status == 200 and proposed["items"], proposed
    case = next((c for c in proposed["items"] if "overdue_acceptance" in c["reasons"]), proposed["items"][0])
    status, item = await secretary.post(
        path + "/agenda",
        {
            "kind": "case_review",
            "title": "超期案件会商",
            "presenter": "公安分局",
            "minutes": 20,
            "case_ids": [case["case_id"]],
        },
    )
    assert status == 201, item
    _, full = await secretary.get(path)
    for n, invitee in enumerate(full["invitees"]):
        status, _ = await secretary.post(
            path + "/attendance",
            {"invitee_id": invitee["id"], "status": "proxy" if n == 1 else "present", "proxy_name": "孙丽"},
        )
        assert status == 200
    await secretary.put(f"{path}/agenda/{item['id']}/notes", {"notes": "与会单位同意逐件督办。"})
    status, _ = await secretary.post(path + "/decisions", {"text": DECISION, "agenda_item_id": item["id"]})
    assert status == 201
    (psb,) = await agency_ids(db, "PSB")
    status, action = await secretary.post(
        path + "/actions",
        {
            "text": ACTION,
            "due": "2026-12-15",
            "owner_agency_id": psb,
            "agenda_item_id": item["id"],
            "case_id": case["case_id"],
        },
    )
    assert status == 201, action
    assert action["owner"] == "青川区公安分局"
    _, full = await secretary.get(path)
    return secretary, full


async def test_minutes_are_drafted_circulated_approved_by_the_chair_and_frozen(
    client: TestClient, db: Database
) -> None:
    secretary, meeting = await held_meeting(client, db)
    path = f"/api/v1/meetings/{meeting['id']}/minutes"
    assert meeting["status"] == "held"
    status, drafted = await secretary.post(path + "/draft", {})
    assert status == 200, drafted
    assert DECISION in drafted["text"] and "2026年12月15日" in drafted["text"]
    assert "委托孙丽代为出席" in drafted["text"]
    edited = drafted["text"] + "\n会议要求各单位于每月5日前报送落实情况。\n"
    status, saved = await secretary.put(path, {"text": edited})
    assert (status, saved["revision"], saved["status"]) == (200, 1, "draft")
    status, circulated = await secretary.post(path + "/circulate")
    assert circulated["status"] == "circulated"
    police = await Person.login(client, "psb_supervisor")
    status, commented = await police.post(path + "/comments", {"text": "建议补充督办时限。"})
    assert status == 201 and commented["comments"][0]["text"] == "建议补充督办时限。"

    # Only the chair approves; the secretary and an invitee may not.
    for username in ("secretary", "liaison_jb"):
        person = await Person.login(client, username)
        status, refused = await person.post(path + "/approve")
        assert (status, refused["error"]["code"]) == (403, "not_chair")
    chair = await Person.login(client, "supervisor")
    status, approved = await chair.post(path + "/approve")
    assert status == 200 and approved["status"] == "approved"
    assert len(approved["sha256"]) == 64

    secretary = await Person.login(client, "secretary")
    status, frozen = await secretary.put(path, {"text": "改过的纪要"})
    assert (status, frozen["error"]["code"]) == (409, "minutes_frozen")
    async with db.read() as s:
        rows = (await s.scalars(select(Minutes).where(Minutes.meeting_id == meeting["id"]))).all()
    assert [(r.revision, r.status, r.sha256) for r in rows] == [(1, "approved", approved["sha256"])]
    assert rows[0].text == saved["text"]
    status, revised = await secretary.put(path, {"text": "改过的纪要", "new_revision": True})
    assert (status, revised["revision"], revised["status"]) == (200, 2, "draft")
    assert [r["revision"] for r in revised["revisions"]] == [1, 2]


async def test_the_chair_approves_only_the_text_she_read(client: TestClient, db: Database) -> None:
    secretary, meeting = await held_meeting(client, db)
    path = f"/api/v1/meetings/{meeting['id']}/minutes"
    _, drafted = await secretary.post(path + "/draft", {})
    chair = await Person.login(client, "supervisor")
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', await (await client.get(path[7:])).text())
    assert found
    read_by_chair = found[1]
    secretary = await Person.login(client, "secretary")
    status, _ = await secretary.put(path, {"text": drafted["text"] + "\n会后补充：各单位月底前反馈。\n"})
    assert status == 200
    chair = await Person.login(client, "supervisor")
    form = {"_csrf": chair.csrf, "step": "approve", "seen": read_by_chair}
    refused = await client.post(path[7:], data=form, allow_redirects=False)
    assert refused.status == 409 and "minutes_changed" in await refused.text()
    async with db.read() as s:
        row = await s.scalar(select(Minutes).where(Minutes.meeting_id == meeting["id"]))
        assert row is not None and row.status == "draft" and not row.sha256
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', await (await client.get(path[7:])).text())
    assert found and found[1] != read_by_chair
    approved = await client.post(path[7:], data={**form, "seen": found[1]}, allow_redirects=False)
    assert approved.status == 303
    async with db.read() as s:
        row = await s.scalar(select(Minutes).where(Minutes.meeting_id == meeting["id"]))
        assert row is not None and row.status == "approved" and "会后补充" in row.text


async def test_the_preview_follows_the_typed_fields_and_saves_nothing(
    client: TestClient, db: Database
) -> None:
    secretary, meeting = await held_meeting(client, db)
    path = f"/api/v1/meetings/{meeting['id']}/minutes"
    _, drafted = await secretary.post(path + "/draft", {})
    fields = {k: v[0] for k, v in form_of(drafted["text"] + "\n会后补充：预览中的新句子。\n").items()}
    preview = f"/meetings/{meeting['id']}/minutes/preview"
    response = await client.post(preview, data={**fields, "_csrf": secretary.csrf})
    assert response.status == 200
    html = (await response.json())["html"]
    assert "会后补充：预览中的新句子。" in html and DECISION in html and "<table" in html
    _, saved = await secretary.get(path)
    assert "预览中的新句子" not in saved["text"] and saved["text"] == drafted["text"]
    invitee = await Person.login(client, "psb_supervisor")  # reads the minutes, manages nothing
    response = await client.post(preview, data={**fields, "_csrf": invitee.csrf})
    assert response.status in (403, 404)


async def test_an_outsider_cannot_read_the_minutes(client: TestClient, db: Database) -> None:
    secretary, meeting = await held_meeting(client, db)
    await secretary.post(f"/api/v1/meetings/{meeting['id']}/minutes/draft", {})
    outsider = await Person.login(client, "liaison_ps02")
    assert (await outsider.get(f"/api/v1/meetings/{meeting['id']}/minutes"))[0] == 404
    assert (await outsider.get(f"/meetings/{meeting['id']}/minutes.pdf"))[0] == 404


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
async def test_the_minutes_pdf_shows_the_record_in_chinese(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    secretary, meeting = await held_meeting(client, db)
    await secretary.post(f"/api/v1/meetings/{meeting['id']}/minutes/draft", {})
    chair = await Person.login(client, "supervisor")
    await chair.post(f"/api/v1/meetings/{meeting['id']}/minutes/approve")
    response = await client.get(f"/meetings/{meeting['id']}/minutes.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(await response.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    async with db.read() as s:
        names = (
            await s.scalars(
                select(User.display_name).where(User.username.in_(["psb_supervisor", "liaison_jb"]))
            )
        ).all()
    assert "公调对接联席会议纪要" in flat
    for name in names:
        assert name in flat
    assert "".join(DECISION.split()) in flat
    assert "青川区公安分局" in flat and "2026年12月15日" in flat
    assert "主持人（签字）" in flat and "第1页" in flat
    assert "已审定" in flat


async def test_a_save_over_a_newer_text_is_refused_and_keeps_what_was_typed(
    client: TestClient, db: Database
) -> None:
    secretary, meeting = await held_meeting(client, db)
    path = f"/api/v1/meetings/{meeting['id']}/minutes"
    page_path = f"/meetings/{meeting['id']}/minutes"
    _, drafted = await secretary.post(path + "/draft", {})
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', await (await client.get(page_path)).text())
    assert found
    status, _ = await secretary.put(path, {"text": drafted["text"] + "\n另一位秘书的补充。\n"})  # meanwhile
    assert status == 200
    form = {"_csrf": secretary.csrf, "step": "save", "seen": found[1], "text": "我写的新版本纪要"}
    refused = await client.post(page_path, data=form, allow_redirects=False)
    page = await refused.text()
    assert refused.status == 409 and 'data-code="minutes_changed"' in page
    assert "我写的新版本纪要" in page and "您输入的内容保留在下方文本框中" in page
    async with db.read() as s:
        row = await s.scalar(select(Minutes).where(Minutes.meeting_id == meeting["id"]))
        assert row is not None and "另一位秘书的补充" in row.text and "我写的新版本纪要" not in row.text


async def test_invitees_read_the_minutes_only_once_circulated(client: TestClient, db: Database) -> None:
    # A draft is the secretary's and the chair's working copy (#15, finding 8).
    secretary, meeting = await held_meeting(client, db)
    path = f"/api/v1/meetings/{meeting['id']}/minutes"
    status, drafted = await secretary.post(path + "/draft", {})
    status, saved = await secretary.put(path, {"text": drafted["text"] + "\n草稿中的一句话。\n"})
    assert status == 200 and saved["status"] == "draft"
    invitee = await Person.login(client, "psb_supervisor")
    assert (await invitee.get(path))[0] == 404
    assert (await invitee.client.get(f"/meetings/{meeting['id']}/minutes.pdf")).status == 404
    assert (await invitee.client.get(f"/meetings/{meeting['id']}/minutes.pdf?revision=1")).status == 404
    page = await invitee.client.get(f"/meetings/{meeting['id']}/minutes")
    assert "草稿中的一句话" not in await page.text()

    secretary = await Person.login(client, "secretary")
    await secretary.post(path + "/circulate")
    chair = await Person.login(client, "supervisor")
    assert (await chair.post(path + "/approve"))[0] == 200
    secretary = await Person.login(client, "secretary")
    status, revised = await secretary.put(path, {"text": "第二稿，尚未分发。", "new_revision": True})
    assert (status, revised["revision"], revised["status"]) == (200, 2, "draft")
    invitee = await Person.login(client, "psb_supervisor")
    status, read = await invitee.get(path)
    assert status == 200 and read["revision"] == 1 and "草稿中的一句话" in read["text"]
    assert [r["revision"] for r in read["revisions"]] == [1]  # the second draft is not theirs yet
    assert (await invitee.client.get(f"/meetings/{meeting['id']}/minutes.pdf?revision=2")).status == 404
    assert (await invitee.client.get(f"/meetings/{meeting['id']}/minutes.pdf")).status == 200
