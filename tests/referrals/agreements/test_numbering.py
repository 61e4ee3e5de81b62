"""Document numbers per committee and year: the format, the year in China, a sequence that
restarts each year, and two documents issued at once never sharing a number."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.models import Agency
from referrals import committees
from referrals.agreements import numbering
from referrals.models import CommitteeAgency, MediationCommittee
from tests.referrals.agreements.test_agreements import agreement_body, case_in_mediation, put
from tests.referrals.helpers import Person

pytestmark = pytest.mark.pg


@pytest.mark.parametrize(
    ("fmt", "prefix", "seq", "text"),
    [
        (numbering.DEFAULT_FORMAT, "青调字", 12, "〔2026〕青调字第12号"),
        ("{prefix}〔{year}〕{seq:03d}号", "东调", 7, "东调〔2026〕007号"),
        ("（{year}）第{seq}号", "", 1, "（2026）第1号"),
    ],
)
def test_a_committee_formats_its_numbers_its_own_way(fmt: str, prefix: str, seq: int, text: str) -> None:
    assert numbering.format_number(fmt, prefix, 2026, seq) == text


@pytest.mark.parametrize("fmt", ["〔{year}〕{prefix}号", "{case}第{seq}号", "第{seq号", "{seq:q}"])
def test_a_format_without_the_sequence_or_with_unknown_fields_is_refused(fmt: str) -> None:
    with pytest.raises(numbering.BadNumberFormat):
        numbering.check_format(fmt)


@pytest.mark.parametrize(
    ("instant", "year"),
    [
        (datetime(2026, 12, 31, 15, 30, tzinfo=UTC), 2026),  # 23:30 on New Year's Eve in China
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), 2027),  # 00:30 on 1 January in China
    ],
)
def test_the_year_is_the_year_in_china(instant: datetime, year: int) -> None:
    assert numbering.year_of(instant) == year


async def committee_of(db: Database, code: str) -> committees.Organisation:
    async with db.read() as s:
        agency_id = await s.scalar(select(Agency.id).where(Agency.code == code))
        assert agency_id is not None
        return await committees.organisation_for(s, agency_id)


async def issue(db: Database, organisation: committees.Organisation, now: datetime) -> str:
    async with db.write() as s:
        return await numbering.issue_number(s, organisation, now)


async def test_numbers_run_per_committee_and_restart_each_year(db: Database) -> None:
    chengguan, dongu = await committee_of(db, "SR01"), await committee_of(db, "SR02")
    assert chengguan.committee_id != dongu.committee_id
    eve = datetime(2029, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 in China: still 2029
    first = await issue(db, chengguan, eve)
    assert first == "〔2029〕城关调字第1号"
    assert await issue(db, chengguan, eve) == "〔2029〕城关调字第2号"
    assert await issue(db, dongu, eve) == "〔2029〕东湖调字第1号"  # another committee, its own count
    new_year = datetime(2029, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2030 in China
    assert await issue(db, chengguan, new_year) == "〔2030〕城关调字第1号"
    assert await issue(db, chengguan, eve) == "〔2029〕城关调字第3号"


async def test_two_documents_issued_at_once_get_different_numbers(db: Database) -> None:
    organisation = await committee_of(db, "SR01")
    at = datetime(2031, 3, 1, 2, 0, tzinfo=UTC)
    numbers = await asyncio.gather(*(issue(db, organisation, at) for _ in range(6)))
    assert sorted(numbers) == sorted(f"〔2031〕城关调字第{n}号" for n in range(1, 7))


async def test_an_agency_without_a_committee_names_itself_and_gets_no_number(db: Database) -> None:
    async with db.write() as s:
        agency_id = await s.scalar(select(Agency.id).where(Agency.code == "SR03"))
        assert agency_id is not None
        row = await s.get(CommitteeAgency, agency_id)
        assert row is not None
        await s.delete(row)
    organisation = await committee_of(db, "SR03")
    assert organisation.committee_id is None
    assert organisation.name.endswith("派驻人民调解工作室")
    assert organisation.seal_line == organisation.name + "（印章）"
    assert organisation.court_agency_id is not None  # the district's basic court all the same
    assert await issue(db, organisation, datetime(2031, 3, 1, tzinfo=UTC)) == ""


async def test_the_agreement_is_numbered_at_its_first_save_and_keeps_its_number(
    client: TestClient, db: Database
) -> None:
    room = await Person.login(client, "liaison_sr01")
    numbers = []
    for _ in range(2):
        case_id, _rid, parties = await case_in_mediation(client)
        room = await Person.login(client, "liaison_sr01")
        status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
        assert status == 200, out
        assert out["organisation"] == "青川区城关街道人民调解委员会"
        assert out["seal_line"] == "青川区城关街道人民调解委员会（印章）"
        numbers.append(out["document_number"])
        status, again = await put(
            room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, facts="改过的事实。")
        )
        assert again["document_number"] == out["document_number"]
    first, second = (int(n.removeprefix("〔2026〕城关调字第").removesuffix("号")) for n in numbers)
    assert second == first + 1


async def test_the_demo_gives_every_receiving_agency_its_committee(db: Database) -> None:
    async with db.read() as s:
        rows = dict(
            (
                await s.execute(
                    select(Agency.code, MediationCommittee.name)
                    .join(CommitteeAgency, CommitteeAgency.agency_id == Agency.id)
                    .join(MediationCommittee, MediationCommittee.id == CommitteeAgency.committee_id)
                )
            ).all()
        )
        court = await s.scalar(select(Agency.id).where(Agency.code == "COURT"))
        courts = set(await s.scalars(select(MediationCommittee.court_agency_id)))
    assert rows["SR01"] == rows["JO01"] == "青川区城关街道人民调解委员会"  # the room works for its street
    assert rows["SR02"] == "青川区东湖街道人民调解委员会"
    assert rows["SB-LABOUR"] == "青川区劳动争议人民调解委员会"  # a specialised body is its own
    village = next(code for code in rows if code.startswith("MC-"))
    assert rows[village].endswith("人民调解委员会") and rows[village] != rows["SR01"]
    assert courts == {court}
