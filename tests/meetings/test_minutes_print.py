"""Minutes (会议纪要) read as they will print: the secretary edits them section by section in form
fields (never Markdown), the page previews the very HTML the PDF is rendered from, the chair
approves what that preview shows, and the approved text's PDF is rendered once, kept, and served
from storage with an ETag."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub import documents as hub_documents
from hub.db import Database
from hub.orm import utcnow
from hub.templating import JINJA
from meetings.minutes import documents
from meetings.models import Meeting, Minutes
from tests.meetings.helpers import Person
from tests.meetings.test_minutes_flow import ACTION, held_meeting
from tests.support.forms import fields, srcdoc

pytestmark = pytest.mark.pg
ADDED = "会议要求各单位于每月5日前报送落实情况。"


async def source_html(client: TestClient, db: Database, meeting_id: int) -> str:
    async with db.read() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        document = await documents.minutes_document(s, client.app[JINJA], meeting, utcnow())
    return document.html


async def form_post(person: Person, path: str, form: dict[str, Any]) -> Any:
    return await person.client.post(path, data={"_csrf": person.csrf, **form}, allow_redirects=False)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
async def test_minutes_are_edited_as_fields_previewed_as_printed_and_kept_once_approved(
    client: TestClient, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secretary, meeting = await held_meeting(client, db)
    page_path = f"/meetings/{meeting['id']}/minutes"
    await secretary.post(f"/api/v1{page_path}/draft", {})

    # The editor: one field per heading, run of paragraphs and table cell; no Markdown anywhere.
    page = await (await client.get(page_path)).text()
    typed = fields(page, "doc-")
    assert "| --- |" not in page and not any(v.startswith(("#", "|")) for v in typed.values())
    assert ACTION in typed.values()
    assert srcdoc(page) == await source_html(client, db, meeting["id"])  # what the PDF is made from

    # A paragraph added to a text box and a row typed into a table's blank row are saved.
    box = next(k for k, v in typed.items() if "与会单位同意逐件督办" in v)
    typed[box] += "\n\n" + ADDED
    table = next(k.removesuffix("-h1") for k, v in typed.items() if k.endswith("-h1") and v == "工作任务")
    blank = int(typed[table + "-rows"]) - 1
    for c, value in enumerate(["2", "补充台账", "青川区司法局", "2026年12月31日", "待办", ""]):
        typed[f"{table}-r{blank}-c{c}"] = value
    seen = page.split('name="seen" value="', 1)[1].split('"', 1)[0]
    saved = await form_post(secretary, page_path, {**typed, "step": "save", "seen": seen})
    assert saved.status == 303, await saved.text()
    async with db.read() as s:
        row = await s.scalar(select(Minutes).where(Minutes.meeting_id == meeting["id"]))
        assert row is not None
    assert f"与会单位同意逐件督办。\n\n{ADDED}" in row.text
    assert "| 2 | 补充台账 | 青川区司法局 | 2026年12月31日 | 待办 |   |" in row.text

    # The chair reads the printed text, not its source, and approves it.
    chair = await Person.login(client, "supervisor")
    page = await (await client.get(page_path)).text()
    assert 'data-testid="minutes-approve"' in page and ADDED in srcdoc(page)
    assert srcdoc(page) == await source_html(client, db, meeting["id"])
    renders: list[int] = []
    real = hub_documents.render_pdf

    async def counted(html: str) -> bytes:
        renders.append(1)
        return await real(html)

    monkeypatch.setattr(hub_documents, "render_pdf", counted)
    seen = page.split('name="seen" value="', 1)[1].split('"', 1)[0]
    assert (await form_post(chair, page_path, {"step": "approve", "seen": seen})).status == 303
    assert len(renders) == 1  # rendered at approval...
    async with db.read() as s:
        kept = (
            await s.execute(
                select(Minutes.pdf, Minutes.pdf_sha256).where(Minutes.meeting_id == meeting["id"])
            )
        ).one()
    assert kept.pdf.startswith(b"%PDF") and len(kept.pdf_sha256) == 64

    # ...and served as kept: the same bytes every time, 304 to a browser that has them.
    first = await client.get(page_path + ".pdf")
    assert first.status == 200 and first.headers["ETag"] == f'"{kept.pdf_sha256}"'
    assert await first.read() == kept.pdf
    again = await client.get(page_path + ".pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and not await again.read()
    assert (await client.get(page_path + ".pdf?revision=1")).headers["ETag"] == first.headers["ETag"]
    assert len(renders) == 1
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(kept.pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert ADDED in flat and "补充台账" in flat and "已审定" in flat
