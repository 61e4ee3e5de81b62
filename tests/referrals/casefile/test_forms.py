"""Each form of the case file read back from its PDF: the elements the justice ministry's formats
require, with a natural person, a company with its legal representative, and an agent among the
parties; the acknowledgements of the notice of rights; forms a case does not have are 404."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.db import Database
from hub.orm import utcnow
from referrals.models import Party
from tests.referrals.agreements.test_agreements import case_in_mediation
from tests.referrals.agreements.test_documents import PERSON_AND_COMPANY
from tests.referrals.casefile.helpers import acknowledge, complete_case, pdf_text
from tests.referrals.helpers import Person, case_body

PERSON = (
    "王芳，男，汉族，1990年1月1日出生，公民身份号码：33010619900101123X，"
    "住青川区幸福路8号2单元301室，联系电话：13800001111，青川区第一小学教师"
)
COMPANY = (
    "青川某装饰有限公司，统一社会信用代码：9144030071526726XG，住所地：青川区工业路8号，"
    "联系电话：13900002222；法定代表人：张伟，职务：总经理"
)
AGENT = "委托代理人：李明，青川律师事务所律师（特别授权：代为承认、放弃、变更调解请求，代签调解协议）"


async def form(person: Person, case_id: int, name: str, tmp_path: Path) -> str:
    response = await person.client.get(f"/cases/{case_id}/forms/{name}.pdf")
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    return pdf_text(await response.read(), tmp_path)


def assert_all(text: str, *expected: str) -> None:
    for piece in expected:
        assert piece in text, piece


async def test_the_application_names_the_parties_the_dispute_and_what_is_asked(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id, _parties = await complete_case(client)
    text = await form(room, case_id, "application", tmp_path)
    assert_all(
        text,
        "人民调解申请书",
        "申请人：" + PERSON,
        AGENT,
        "被申请人：" + COMPANY,
        "纠纷简要情况",
        "楼上漏水，双方争吵。",
        "申请事项",
        "邻里纠纷",
        "城关派出所移送调解",
        "此致",
        "申请人（签名/盖章或按指印）",
        "2026年11月28日",  # the applicant's consent
    )


async def test_the_registration_form_records_source_consent_and_who_registered(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id, _parties = await complete_case(client)
    text = await form(room, case_id, "registration", tmp_path)
    assert_all(
        text,
        "人民调解受理登记表",
        "纠纷来源有关部门移送：城关派出所",
        "受理日期",
        "被申请人：" + COMPANY,
        AGENT,
        "当事人意愿王芳：同意调解（2026年11月28日）青川某装饰有限公司：尚未表示",
        "人民调解员",
        "登记人",
        "青川区城关街道人民调解委员会（印章）",
    )


async def test_the_notice_of_rights_lists_the_law_and_each_partys_acknowledgement(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id, _parties = await complete_case(client)
    text = await form(room, case_id, "rights", tmp_path)
    assert_all(
        text,
        "人民调解权利义务告知书",
        "不收取任何费用",
        "第二十三条",
        "选择或者接受人民调解员",
        "接受调解、拒绝调解或者要求终止调解",
        "要求调解公开进行或者不公开进行",
        "自主表达意愿、自愿达成调解协议",
        "第二十四条",
        "如实陈述纠纷事实",
        "遵守调解现场秩序，尊重人民调解员",
        "尊重对方当事人行使权利",
        "申请人：王芳书面签收",
        "被申请人：青川某装饰有限公司当面宣读",
    )
    assert "未确认" not in text


async def test_the_followup_record_has_a_page_per_visit(client: TestClient, tmp_path: Path) -> None:
    room, case_id, _parties = await complete_case(client)
    text = await form(room, case_id, "followups", tmp_path)
    assert_all(
        text,
        "人民调解回访记录",
        "回访时间",
        "回访人",
        "履行情况已履行",
        "当事人确认维修费已付清。",
        "回访人（签名）",
    )


async def test_a_failed_mediation_gets_a_termination_notice(client: TestClient, tmp_path: Path) -> None:
    case_id, rid, _parties = await case_in_mediation(client, parties=PERSON_AND_COMPANY)
    room = await Person.login(client, "liaison_sr01")
    status, _ = await room.get(f"/cases/{case_id}/forms/termination.pdf")
    assert status == 404
    failed = await room.post(
        f"/api/v1/referrals/{rid}/actions", {"action": "fail", "reason": "双方对赔偿数额分歧过大"}
    )
    assert failed[0] == 200, failed
    text = await form(room, case_id, "termination", tmp_path)
    assert_all(
        text,
        "终止人民调解告知书",
        "王芳、青川某装饰有限公司：",
        "因双方对赔偿数额分歧过大，调解未能达成协议",
        "第二十六条",
        "本委员会决定终止调解",
        "仲裁、行政、司法等途径",
    )


async def test_a_party_who_refuses_gets_the_others_a_not_taken_up_notice(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body(parties=PERSON_AND_COMPANY))
    assert status == 201, case
    status, _ = await police.get(f"/cases/{case['id']}/forms/refusal.pdf")
    assert status == 404
    async with db.write() as s:  # as the party pages record it
        await s.execute(
            update(Party)
            .where(Party.case_id == case["id"], Party.role == "respondent")
            .values(consent="refused", consent_at=utcnow(), consent_method="phone")
        )
    text = await form(police, case["id"], "refusal", tmp_path)
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()  # the refusal's day, in China
    assert_all(
        text,
        "不予受理告知书",
        "王芳：",
        f"因当事人青川某装饰有限公司于{today.year}年{today.month}月{today.day}日明确拒绝调解",
        "第十七条",
        "本委员会不予受理",
        "仲裁、行政、司法等途径",
    )


async def test_acknowledgements_are_recorded_once_by_the_receiving_body(
    client: TestClient, db: Database
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    police = await Person.login(client, "liaison_ps01")
    status, out = await acknowledge(police, case_id, parties[0])
    assert (status, out["error"]["code"]) == (403, "wrong_side")
    room = await Person.login(client, "liaison_sr01")
    status, out = await acknowledge(room, case_id, parties[0], "online")
    assert status == 201 and out["method"] == "online" and out["recorded_by"], out
    status, out = await acknowledge(room, case_id, parties[0])
    assert (status, out["error"]["code"]) == (409, "already_acknowledged")
    status, out = await acknowledge(room, case_id, 999999)
    assert (status, out["error"]["code"]) == (422, "bad_party")
    status, out = await room.get(f"/api/v1/cases/{case_id}/casefile")
    assert status == 200
    acks = {a["party_id"]: a for a in out["acknowledgements"]}
    assert acks[parties[0]]["acknowledged_at"] and acks[parties[1]]["acknowledged_at"] is None
    assert [f["name"] for f in out["forms"]] == ["application", "registration", "rights"]


async def test_the_page_records_an_acknowledgement_from_the_form(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    page = await room.client.get(f"/cases/{case_id}/casefile")
    assert page.status == 200 and 'data-testid="record-ack"' in await page.text()
    response = await room.client.post(
        f"/cases/{case_id}/casefile/acknowledgements",
        data={"_csrf": room.csrf, "party_id": str(parties[1]), "method": "read_aloud", "acknowledged_at": ""},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    page = await room.client.get(f"/cases/{case_id}/casefile")
    assert f'data-testid="ack-{parties[1]}"' in (text := await page.text())
    case_page = await (await room.client.get(f"/cases/{case_id}")).text()
    assert f"/cases/{case_id}/casefile.pdf" in case_page and 'data-testid="casefile-panel"' in case_page
    assert text


async def test_an_unknown_form_is_404(client: TestClient) -> None:
    case_id, _rid, _parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/cases/{case_id}/forms/nonsense.pdf")
    assert status == 404
    status, out = await room.get(f"/cases/{case_id}/forms/followups.pdf")
    assert status == 404


async def test_the_parties_are_in_the_database_as_the_forms_show_them(
    client: TestClient, db: Database
) -> None:
    case_id, _rid, _parties = await case_in_mediation(client, parties=PERSON_AND_COMPANY)
    async with db.read() as s:
        kinds = (await s.scalars(select(Party.kind).where(Party.case_id == case_id))).all()
    assert sorted(kinds) == ["organisation", "person"]


async def test_a_form_kept_by_its_etag_is_304_for_its_reader_and_still_404_for_an_outsider(
    client: TestClient,
) -> None:
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body())
    assert status == 201, case
    path = f"/cases/{case['id']}/forms/application.pdf"
    first = await client.get(path)
    assert first.status == 200 and (await first.read()).startswith(b"%PDF")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-store"
    kept = await client.get(path, headers={"If-None-Match": f'W/"other", {etag}'})
    assert (kept.status, await kept.read(), kept.headers["ETag"]) == (304, b"", etag)
    assert (await client.get(path, headers={"If-None-Match": '"other"'})).status == 200
    # Another station's liaison may not see the case: the tag tells them nothing.
    await Person.login(client, "liaison_ps02")
    refused = await client.get(path, headers={"If-None-Match": etag})
    assert refused.status == 404 and "ETag" not in refused.headers
