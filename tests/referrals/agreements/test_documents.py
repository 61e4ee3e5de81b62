"""The agreement and the application for judicial confirmation as PDFs: Chinese, an embedded CJK
font, the parties, the terms and the deadline; for those who may see the case, cookie or token.
The formatting helpers are pure and tested by table."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub import audit
from hub.db import Database
from hub.directory import create_token
from hub.documents import fonts_available, inline_disposition
from hub.models import User
from referrals import deadlines
from referrals.agreements import documents
from tests.referrals.agreements.test_agreements import (
    agreement_body,
    case_in_mediation,
    confirm_all,
    put,
    today,
)
from tests.referrals.helpers import Person


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 12, 28), "2026年12月28日"),
        (date(2027, 1, 5), "2027年1月5日"),
        (None, documents.BLANK_DATE),
    ],
)
def test_dates_are_written_the_chinese_way(value: date | None, text: str) -> None:
    assert documents.date_cn(value) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (3, "三"), (10, "十"), (11, "十一"), (20, "二十"), (30, "三十"), (47, "四十七")],
)
def test_small_numbers_in_chinese(n: int, text: str) -> None:
    assert documents.number_cn(n) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("3500", "叁仟伍佰元整"),
        ("6000.00", "陆仟元整"),
        ("1200", "壹仟贰佰元整"),
        ("10", "壹拾元整"),
        ("105", "壹佰零伍元整"),
        ("1005", "壹仟零伍元整"),
        ("10050", "壹万零伍拾元整"),
        ("100000", "壹拾万元整"),
        ("1000000", "壹佰万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("3500.50", "叁仟伍佰元伍角"),
        ("3500.05", "叁仟伍佰元零伍分"),
        ("0.35", "叁角伍分"),
        ("0", "零元整"),
    ],
)
def test_amounts_in_capital_numerals(amount: str, text: str) -> None:
    assert documents.rmb_upper(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("amount", "text"), [("3500", "3500元"), ("3500.00", "3500元"), ("3500.5", "3500.50元")]
)
def test_amounts_in_figures(amount: str, text: str) -> None:
    assert documents.yuan(Decimal(amount)) == text


def test_the_deadline_line_names_the_last_day() -> None:
    line = documents.deadline_line(date(2026, 11, 28), deadlines.DEFAULT)
    assert line == (
        "双方当事人可自本协议生效之日起三十日内共同向人民法院申请司法确认，申请期限至2026年12月28日（含当日）止。"
    )
    # Day 30 on a Sunday: the last day is the Monday after, written out inclusive.
    assert "申请期限至2026年12月7日（含当日）止" in documents.deadline_line(
        date(2026, 11, 6), deadlines.DEFAULT
    )
    assert "即" not in documents.deadline_line(None, deadlines.DEFAULT)


def test_the_file_name_is_chinese_in_rfc_5987_with_an_ascii_fallback() -> None:
    header = inline_disposition("人民调解协议书-QC2026-000001.pdf", "agreement-QC2026-000001.pdf")
    assert header.startswith("inline; filename=\"agreement-QC2026-000001.pdf\"; filename*=UTF-8''")
    assert unquote(header.split("''", 1)[1]) == "人民调解协议书-QC2026-000001.pdf"


# --- the PDFs ---------------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    assert fonts_available() and shutil.which("pdftotext"), "install fonts-noto-cjk and poppler-utils"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return "".join(text.split()), fonts


def assert_cjk_embedded(fonts: str) -> None:
    rows = [line for line in fonts.splitlines() if "CJK" in line]
    assert rows, fonts
    assert all(" yes " in row for row in rows), fonts  # emb column


async def locked_agreement(client: TestClient, **changes: Any) -> tuple[Person, int]:
    case_id, _rid, parties = await case_in_mediation(client, **changes)
    room = await Person.login(client, "liaison_sr01")
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert status == 200, out
    await confirm_all(room, case_id, parties)
    return room, case_id


async def test_the_agreement_pdf_shows_parties_terms_and_the_deadline(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id = await locked_agreement(client)
    response = await room.client.get(f"/cases/{case_id}/agreement.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]).startswith("人民调解协议书-")
    text, fonts = pdf_text(await response.read(), tmp_path)
    assert_cjk_embedded(fonts)
    deadline = documents.date_cn(deadlines.confirmation_deadline(today()))
    due = documents.date_cn(today() + timedelta(days=10))
    for expected in (
        "人民调解协议书",
        "编号：〔2026〕城关调字第",
        "调解组织：青川区城关街道人民调解委员会",
        "王芳",
        "李雷",
        "33010619900101123X",  # unmasked: the official document
        "13900002222",
        "纠纷主要事实：李雷家卫生间漏水",
        "争议事项：漏水原因及维修费用的承担。",
        "各方当事人的责任：李雷家防水层老化致漏水，李雷应承担全部责任。",
        "经调解，各方当事人自愿达成如下协议",
        f"一、李雷于{due}前（含当日）向王芳支付维修费人民币壹仟伍佰元整（¥1,500.00）。",
        "二、李雷修复卫生间防水层。",
        "三、双方今后和睦相处。",
        "履行方式、时限",
        f"第一项由李雷于{due}前（含当日）履行完毕",
        "本协议一式三份",
        f"生效日期为{documents.date_cn(today())}",
        f"共同向人民法院申请司法确认，申请期限至{deadline}（含当日）止",
        "人民调解员：",
        "记录人：陈晓（签名）",
        "（签名并按指印）",
        "调解组织：青川区城关街道人民调解委员会（印章）",
    ):
        assert expected in text, expected
    assert "派驻人民调解工作室（盖章）" not in text  # a room has no seal of its own


async def test_the_confirmation_pdf_is_addressed_to_the_court(client: TestClient, tmp_path: Path) -> None:
    room, case_id = await locked_agreement(client)
    response = await room.client.get(f"/cases/{case_id}/confirmation.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    assert unquote(response.headers["Content-Disposition"].split("''", 1)[1]).startswith("司法确认申请书-")
    text, fonts = pdf_text(await response.read(), tmp_path)
    assert_cjk_embedded(fonts)
    deadline = documents.date_cn(deadlines.confirmation_deadline(today()))
    effective = documents.date_cn(today())
    for expected in (
        "司法确认申请书",
        "申请人：王芳",
        "申请人：李雷",
        "330106198802022348",
        "人民调解协议编号：〔2026〕城关调字第",
        "请求事项",
        f"请求确认申请人王芳、李雷于{effective}经青川区城关街道人民调解委员会主持调解达成的人民调解协议",
        "人民调解协议（编号：〔2026〕城关调字第",
        "事实与理由",
        "支付维修费人民币壹仟伍佰元整（¥1,500.00）",
        f"申请期限至{deadline}（含当日）止",
        "此致青川区人民法院",  # no court named on the agreement: the committee's basic court
        "申请人：王芳（签名并按指印）",
        "调解组织：青川区城关街道人民调解委员会（印章）",
    ):
        assert expected in text, expected


async def test_someone_who_only_oversees_the_case_gets_the_pdf_with_identities_masked(
    client: TestClient, tmp_path: Path
) -> None:
    _room, case_id = await locked_agreement(client)
    overseer = await Person.login(client, "psb_supervisor")  # sees PS01's cases, works on none
    response = await overseer.client.get(f"/cases/{case_id}/agreement.pdf")
    assert response.status == 200
    text, _fonts = pdf_text(await response.read(), tmp_path)
    assert "王芳" in text and "3301**********123X" in text and "139****2222" in text
    assert "33010619900101123X" not in text and "13900002222" not in text


async def test_a_bearer_token_fetches_the_pdf_like_a_cookie(client: TestClient, db: Database) -> None:
    _room, case_id = await locked_agreement(client)
    async with db.write() as s:
        user = await s.scalar(select(User).where(User.username == "liaison_ps01"))
        assert user is not None
        token, _row = await create_token(s, audit.SYSTEM, user, "test")
    client.session.cookie_jar.clear()
    response = await client.get(
        f"/cases/{case_id}/agreement.pdf", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200 and (await response.read()).startswith(b"%PDF")
    anonymous = await client.get(f"/cases/{case_id}/agreement.pdf", allow_redirects=False)
    assert anonymous.status in (302, 303, 401)


async def test_both_documents_are_in_the_openapi_document(client: TestClient) -> None:
    spec = await (await client.get("/api/v1/openapi.json")).json()
    for path in ("/cases/{id}/agreement.pdf", "/cases/{id}/confirmation.pdf"):
        get = spec["paths"][path]["get"]
        assert get["summary"] and {"bearer": []} in get["security"], path
    assert "put" in spec["paths"]["/api/v1/cases/{id}/agreement"]


async def test_a_case_without_an_agreement_has_no_documents(client: TestClient) -> None:
    case_id, _rid, _parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/cases/{case_id}/agreement.pdf")
    assert status == 404


# A natural person with an agent, and a company with its legal representative (GB 32100 code).
PERSON_AND_COMPANY = [
    {
        "role": "applicant",
        "name": "王芳",
        "id_number": "33010619900101123X",
        "ethnicity": "汉族",
        "address": "青川区幸福路8号2单元301室",
        "phone": "13800001111",
        "occupation": "青川区第一小学教师",
        "agents": [
            {
                "name": "李明",
                "law_firm": "青川律师事务所",
                "authority": "special",
                "scope": "代为承认、放弃、变更调解请求，代签调解协议",
            }
        ],
        "consent": "given",
        "consent_at": "2026-11-28T09:30:00+08:00",
        "consent_method": "signed_form",
    },
    {
        "role": "respondent",
        "kind": "organisation",
        "name": "青川某装饰有限公司",
        "id_number": "9144030071526726XG",
        "address": "青川区工业路8号",
        "phone": "13900002222",
        "representative_role": "legal_representative",
        "representative_name": "张伟",
        "representative_title": "总经理",
    },
]


def structured_body(parties: list[int]) -> dict[str, Any]:
    """An agreement with a term of every kind, between a person (with an agent) and a company."""
    person, company = parties
    due = today() + timedelta(days=14)
    return {
        "facts": "青川某装饰有限公司为王芳装修住房，交付后橱柜开裂、卫生间渗水，双方就返工及赔偿发生争议。",
        "issues": "装修质量问题的责任及赔偿数额；开裂橱柜的拆除。",
        "liabilities": "青川某装饰有限公司施工不符合约定，应承担主要责任；王芳擅自改动水路，承担次要责任。",
        "terms": [
            {
                "kind": "payment",
                "obligor_party_id": company,
                "obligee_party_id": person,
                "description": "赔偿款",
                "amount": "5000",
                "method": "transfer",
                "instalments": [
                    {"due": due.isoformat(), "amount": "2000"},
                    {"due": (due + timedelta(days=30)).isoformat(), "amount": "3000"},
                ],
            },
            {
                "kind": "act",
                "obligor_party_id": person,
                "obligee_party_id": company,
                "description": "配合拆除橱柜",
                "due_date": due.isoformat(),
                "place": "青川区幸福路8号2单元301室",
            },
            {
                "kind": "omission",
                "obligor_party_id": company,
                "obligee_party_id": person,
                "description": "在网络上发布王芳的个人信息",
            },
            {
                "kind": "apology",
                "obligor_party_id": company,
                "obligee_party_id": person,
                "description": "书面",
            },
        ],
        "other_terms": "本协议履行完毕后，双方就本次装修再无其他争议。",
        "copies": 4,
        "recorder": "陈晓",
    }


async def test_the_papers_have_every_element_of_article_29_with_a_person_a_company_and_an_agent(
    client: TestClient, tmp_path: Path
) -> None:
    case_id, _rid, parties = await case_in_mediation(client, parties=PERSON_AND_COMPANY)
    room = await Person.login(client, "liaison_sr01")
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", structured_body(parties))
    assert status == 200, out
    number = out["document_number"]
    await confirm_all(room, case_id, parties)
    agreement, _ = pdf_text(await (await room.client.get(f"/cases/{case_id}/agreement.pdf")).read(), tmp_path)
    application, _ = pdf_text(
        await (await room.client.get(f"/cases/{case_id}/confirmation.pdf")).read(), tmp_path
    )
    due = today() + timedelta(days=14)
    elements = {
        "number": f"编号：{number}",
        "organisation": "调解组织：青川区城关街道人民调解委员会",
        "person": "申请人：王芳，男，汉族，1990年1月1日出生，公民身份号码：33010619900101123X",
        "agent": "委托代理人：李明，青川律师事务所律师（特别授权",
        "company": "被申请人：青川某装饰有限公司，统一社会信用代码：9144030071526726XG",
        "representative": "法定代表人：张伟，职务：总经理",
        "facts": "纠纷主要事实：青川某装饰有限公司为王芳装修住房",
        "issues": "争议事项：装修质量问题的责任及赔偿数额",
        "liabilities": "各方当事人的责任：青川某装饰有限公司施工不符合约定，应承担主要责任",
        "payment": "一、青川某装饰有限公司向王芳支付赔偿款人民币伍仟元整（¥5,000.00），分两期支付："
        f"第一期于{documents.date_cn(due)}前（含当日）支付人民币贰仟元整（¥2,000.00）；"
        f"第二期于{documents.date_cn(due + timedelta(days=30))}前（含当日）支付人民币叁仟元整（¥3,000.00）。"
        "以上款项均以银行转账方式支付。",
        "act": f"二、王芳于{documents.date_cn(due)}前（含当日）在青川区幸福路8号2单元301室配合拆除橱柜。",
        "omission": "三、青川某装饰有限公司今后不得在网络上发布王芳的个人信息。",
        "apology": "四、青川某装饰有限公司书面向王芳赔礼道歉。",
        "other": "五、本协议履行完毕后，双方就本次装修再无其他争议。",
        "performance": "第一项由青川某装饰有限公司以银行转账方式分两期于"
        f"{documents.date_cn(due + timedelta(days=30))}前（含当日）履行完毕",
        "effective": f"生效日期为{documents.date_cn(today())}",
        "copies": "本协议一式四份",
        "person signs": "申请人：王芳（签名并按指印）",
        "agent signs": "委托代理人：李明（签名并按指印）",
        "company seals": "被申请人：青川某装饰有限公司（盖章）法定代表人（签名并按指印）",
        "mediator": "人民调解员：",
        "recorder": "记录人：陈晓（签名）",
        "seal": "调解组织：青川区城关街道人民调解委员会（印章）",
    }
    for name, expected in elements.items():
        assert expected in agreement, name
    assert "前向青川某装饰有限公司配合" not in agreement
    for expected in (
        f"人民调解协议编号：{number}",
        "申请人：王芳，男，汉族",
        "申请人：青川某装饰有限公司，统一社会信用代码：9144030071526726XG",
        "委托代理人：李明",
        elements["payment"].removeprefix("一、"),
        "此致青川区人民法院",
        "申请人：青川某装饰有限公司（盖章）法定代表人（签名并按指印）",
        "调解组织：青川区城关街道人民调解委员会（印章）",
    ):
        assert expected in application, expected


async def test_the_papers_name_a_person_a_company_and_an_agent_as_the_law_asks(
    client: TestClient, tmp_path: Path
) -> None:
    room, case_id = await locked_agreement(client, parties=PERSON_AND_COMPANY)
    agreement, _ = pdf_text(await (await room.client.get(f"/cases/{case_id}/agreement.pdf")).read(), tmp_path)
    application, _ = pdf_text(
        await (await room.client.get(f"/cases/{case_id}/confirmation.pdf")).read(), tmp_path
    )
    person = (
        "王芳，男，汉族，1990年1月1日出生，公民身份号码：33010619900101123X，"  # sex read from the ID
        "住青川区幸福路8号2单元301室，联系电话：13800001111，青川区第一小学教师"
    )
    company = (
        "青川某装饰有限公司，统一社会信用代码：9144030071526726XG，住所地：青川区工业路8号，"
        "联系电话：13900002222；法定代表人：张伟，职务：总经理"
    )
    agent = "委托代理人：李明，青川律师事务所律师（特别授权：代为承认、放弃、变更调解请求，代签调解协议）"
    for text in (agreement, application):
        assert person in text and company in text and agent in text
    assert "申请人：" + person in agreement and "被申请人：" + company in agreement
    assert "申请人：" + company in application  # both apply, jointly
    assert "公民身份号码：9144030071526726XG" not in agreement  # a company is not a citizen
