"""The whole case file (一案一档): one PDF that opens with its cover and contents list, each part
starting on the page the list gives; the sections other packages contribute; the archive with the
evidence and a chain of custody that matches; and who may have them."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import Database
from hub.directory import create_token
from hub.models import User
from hub.plugins import CASEFILE_SECTIONS, CaseFileSection
from referrals.casefile import contents
from tests.referrals.agreements.test_agreements import case_in_mediation
from tests.referrals.casefile.helpers import PHOTO, acknowledge, complete_case, listed, pdf_pages
from tests.referrals.helpers import Person

MINUTES = "调解笔录（第一次调解）"


async def minutes_section(app: web.Application, s: AsyncSession, case_id: int) -> list[CaseFileSection]:
    """What rtc hands over for a video session: its 笔录, three pages long."""
    pages = "".join(f'<p style="break-before: page">第{n}段陈述</p>' for n in range(2, 4))
    html = f"<html><body><h1>调解笔录</h1><p>案件{case_id}的第一次调解。</p>{pages}</body></html>"
    return [CaseFileSection(MINUTES, date(2026, 12, 7), html)]


async def test_the_contents_list_gives_the_page_each_part_starts_on(
    client: TestClient, tmp_path: Path
) -> None:
    client.app[CASEFILE_SECTIONS].append(minutes_section)
    room, case_id, _parties = await complete_case(client)
    response = await room.client.get(f"/cases/{case_id}/casefile.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = await response.read()
    pages = pdf_pages(pdf, tmp_path)
    assert pages[0].startswith("人民调解卷宗") and "保管期限长期" in pages[0]  # confirmed by the court
    assert "青川区城关街道人民调解委员会" in pages[0] and f"共{len(pages)}页" in pages[0]
    assert "卷宗名称王芳与青川某装饰有限公司邻里纠纷" in pages[0]
    assert pages[1].startswith("卷内目录")
    rows = listed(pdf, tmp_path)
    titles = [title for title, _first, _last in rows]
    assert titles == [
        "人民调解申请书",
        "人民调解受理登记表",
        "人民调解权利义务告知书",
        MINUTES,
        "人民调解协议书",
        "司法确认申请书",
        "司法确认结果",
        "人民调解回访记录",
        "证据材料清单",
        "备考表",
    ]
    expected_first = 3
    for title, first, last in rows:
        assert first == expected_first, (title, first)
        page = pages[first - 1]
        heading = "调解笔录" if title == MINUTES else title
        assert heading in page, (title, first, page[:80])
        assert f"第{first}页" in page  # the volume's own page number, stamped
        expected_first = last + 1
    assert rows[-1][2] == len(pages)  # the back cover is the last page
    assert "第3段陈述" in pages[rows[3][2] - 1]  # the minutes' three pages, all there
    assert "文件材料9件" in pages[-1] and f"共{len(pages)}页" in pages[-1]
    court = dict((title, first) for title, first, _last in rows)["司法确认结果"]
    assert "案号（2026）浙0106民特301号" in pages[court - 1]  # the court's own record of its steps


async def test_the_archive_holds_the_file_the_evidence_and_a_matching_custody_csv(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id, _parties = await complete_case(client)
    response = await room.client.get(f"/cases/{case_id}/casefile.zip")
    assert response.status == 200 and response.content_type == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    names = archive.namelist()
    folder = names[0].split("/")[0]
    inside = {n.split("/", 1)[1] for n in names}
    assert {n for n in inside if not n.startswith("evidence/")} == {
        "SHA256SUMS",
        "evidence-custody.csv",
        f"一案一档-{folder}.pdf",
    }
    files = {n.split("/", 1)[1]: archive.read(n) for n in names}
    uploads = {PHOTO + "现场照片.png".encode(), PHOTO + "收据.png".encode()}
    evidence = {n: data for n, data in files.items() if n.startswith("evidence/")}
    assert set(evidence.values()) == uploads
    assert files[f"一案一档-{folder}.pdf"].startswith(b"%PDF")
    sums = dict(line.split("  ", 1)[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    for name, data in files.items():
        if name != "SHA256SUMS":
            assert sums[name] == hashlib.sha256(data).hexdigest(), name
    rows = list(csv.reader(io.StringIO(files["evidence-custody.csv"].decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    sha = header.index("SHA-256")
    for data in evidence.values():
        digest = hashlib.sha256(data).hexdigest()
        events = [r[1] for r in body if r[sha] == digest]
        assert len(events) == 2, events  # the upload, and this copy into the archive
    # The same chain of custody as the evidence's own CSV gives now.
    own = await room.client.get(f"/cases/{case_id}/evidence/custody.csv")
    assert list(csv.reader(io.StringIO((await own.read()).decode("utf-8-sig")))) == rows


async def test_another_agency_gets_404_and_a_token_works_like_a_cookie(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    case_id, _rid, _parties = await case_in_mediation(client)
    other = await Person.login(client, "liaison_ps02")
    for path in (
        f"/cases/{case_id}/casefile.pdf",
        f"/cases/{case_id}/casefile.zip",
        f"/cases/{case_id}/forms/application.pdf",
        f"/cases/{case_id}/casefile",
        f"/api/v1/cases/{case_id}/casefile",
    ):
        status, _ = await other.get(path)
        assert status == 404, path
    status, out = await other.post(
        f"/api/v1/cases/{case_id}/acknowledgements", {"party_id": 1, "method": "signed"}
    )
    assert status == 404
    async with db.write() as s:
        user = await s.scalar(select(User).where(User.username == "liaison_ps01"))
        assert user is not None
        token, _row = await create_token(s, audit.SYSTEM, user, "test")
    client.session.cookie_jar.clear()
    response = await client.get(
        f"/cases/{case_id}/casefile.pdf", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200
    pages = pdf_pages(await response.read(), tmp_path)
    assert pages[1].startswith("卷内目录") and "33010619900101123X" in "".join(pages)
    anonymous = await client.get(f"/cases/{case_id}/casefile.pdf", allow_redirects=False)
    assert anonymous.status in (302, 303, 401)


async def test_an_overseer_gets_the_file_with_identities_masked(client: TestClient, tmp_path: Path) -> None:
    case_id, _rid, _parties = await case_in_mediation(client)
    overseer = await Person.login(client, "psb_supervisor")
    response = await overseer.client.get(f"/cases/{case_id}/casefile.pdf")
    assert response.status == 200
    text = "".join(pdf_pages(await response.read(), tmp_path))
    assert "3301**********123X" in text and "33010619900101123X" not in text


async def test_a_kept_case_file_is_304_until_something_in_it_changes(
    client: TestClient, tmp_path: Path
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    path = f"/cases/{case_id}/casefile.pdf"
    first = await room.client.get(path)
    assert first.status == 200
    unconfirmed = "".join(pdf_pages(await first.read(), tmp_path)).count("未确认")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-store"
    kept = await room.client.get(path, headers={"If-None-Match": etag})
    assert (kept.status, await kept.read(), kept.headers["ETag"]) == (304, b"", etag)
    # The notice of rights acknowledged: the file says so now, and the copy kept is out of date.
    status, out = await acknowledge(room, case_id, parties[0])
    assert status == 201, out
    changed = await room.client.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    text = "".join(pdf_pages(await changed.read(), tmp_path))
    assert unconfirmed >= 1 and text.count("未确认") == unconfirmed - 1  # the party's row in the notice
    # The overseer's volume is masked: another document, another tag; an outsider learns nothing.
    overseer = await Person.login(client, "psb_supervisor")
    masked = await overseer.client.get(path, headers={"If-None-Match": changed.headers["ETag"]})
    assert masked.status == 200 and masked.headers["ETag"] != changed.headers["ETag"]
    await Person.login(client, "liaison_ps02")
    refused = await client.get(path, headers={"If-None-Match": "*"})
    assert refused.status == 404 and "ETag" not in refused.headers


async def test_the_documents_are_in_the_openapi_document(client: TestClient) -> None:
    spec = await (await client.get("/api/v1/openapi.json")).json()
    for path in ("/cases/{id}/casefile.pdf", "/cases/{id}/casefile.zip", "/cases/{id}/forms/{form}.pdf"):
        get = spec["paths"][path]["get"]
        assert get["summary"] and {"bearer": []} in get["security"], path
    assert "post" in spec["paths"]["/api/v1/cases/{id}/acknowledgements"]


# --- the contents list, pure ------------------------------------------------------------------------


def test_parts_are_numbered_one_after_the_other() -> None:
    titles = [("申请书", None), ("协议书", date(2026, 12, 1)), ("备考表", None)]
    out = contents.entries(titles, [1, 3, 1], first_page=3)
    assert [(e.position, e.first, e.last, e.pages) for e in out] == [
        (1, 3, 3, "3"),
        (2, 4, 6, "4-6"),
        (3, 7, 7, "7"),
    ]


@pytest.mark.parametrize("counts", [[1, 2], [1, 0, 1]])
def test_every_part_needs_pages_and_a_count(counts: list[int]) -> None:
    with pytest.raises(ValueError):
        contents.entries([("a", None), ("b", None), ("c", None)], counts, first_page=3)


def test_placeholders_are_as_wide_as_any_real_number() -> None:
    assert {e.pages for e in contents.placeholders([("a", None)])} == {"998-999"}


def test_the_stamp_starts_at_the_parts_first_page() -> None:
    assert "counter-increment: page 7" in contents.stamp_css(7)


@pytest.mark.parametrize(
    ("confirmed", "group", "period"),
    [(True, False, "长期"), (False, True, "长期"), (False, False, "短期")],
)
def test_the_retention_period(confirmed: bool, group: bool, period: str) -> None:
    assert contents.retention(confirmed=confirmed, group_dispute=group) == period
