"""The demo holds a case whose file is complete, from the cover and the contents list to the back
cover, and a refusal with its notice."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from referrals.models import Party
from tests.referrals.casefile.helpers import pdf_pages
from tests.referrals.helpers import Person


async def case_of(db: Database, name: str) -> int:
    async with db.read() as s:
        case_id = await s.scalar(select(Party.case_id).where(Party.name == name))
    assert case_id is not None
    return int(case_id)


async def test_the_demo_holds_a_complete_case_file(client: TestClient, db: Database, tmp_path: Path) -> None:
    case_id = await case_of(db, "宋佳")
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/api/v1/cases/{case_id}/casefile")
    assert status == 200
    assert [f["name"] for f in out["forms"]] == ["application", "registration", "rights", "followups"]
    assert all(a["acknowledged_at"] for a in out["acknowledgements"])
    response = await room.client.get(out["pdf_url"])
    assert response.status == 200
    pages = pdf_pages(await response.read(), tmp_path)
    assert pages[0].startswith("人民调解卷宗") and pages[1].startswith("卷内目录")
    text = "".join(pages)
    for title in (
        "人民调解申请书",
        "人民调解受理登记表",
        "人民调解权利义务告知书",
        "人民调解协议书",
        "司法确认申请书",
        "司法确认结果",
        "人民调解回访记录",
        "备考表",
    ):
        assert title in pages[1], title
    assert "宋佳，女，汉族，1996年6月6日出生" in text and "委托代理人：宋建国，系宋佳之父" in text
    assert "—" not in text  # nothing left blank with a dash


async def test_the_demo_holds_a_refusal_with_its_notice(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    case_id = await case_of(db, "田野")
    police = await Person.login(client, "liaison_ps02")
    response = await police.client.get(f"/cases/{case_id}/forms/refusal.pdf")
    assert response.status == 200
    text = "".join(pdf_pages(await response.read(), tmp_path))
    assert "不予受理告知书" in text and "田雨：" in text and "因当事人田野于" in text
    assert "街道人民调解委员会（印章）" in text  # the committee of the room of the station that took it in
