"""Pauses of the mediation period (a medical appraisal): the days a pause takes out of the period
are counted again after it, an extension granted earlier is kept, and only the receiving body
records a pause, which moves the referral's deadline at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from hub.workdays import BUILTIN, Pause
from referrals import deadlines
from referrals.deadlines import DEFAULT
from tests.referrals.cases.test_pages import page, submit
from tests.referrals.helpers import Person, case_body
from tests.support.clock import DEFAULT_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEDICAL = deadlines.for_category(DEFAULT, "medical")
ACCEPTED = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)  # Monday 21 September, 10:00 in Shanghai


@given(
    first=st.integers(min_value=-5, max_value=70),
    length=st.integers(min_value=0, max_value=20),
    second=st.integers(min_value=-5, max_value=90),
)
def test_pauses_recorded_one_by_one_give_the_deadline_counted_with_all_of_them(
    first: int, length: int, second: int
) -> None:
    start = ACCEPTED.astimezone(SHANGHAI).date()
    a = Pause(start + timedelta(days=first), start + timedelta(days=first + length))
    b = Pause(start + timedelta(days=second), start + timedelta(days=second + 3))
    due = deadlines.mediation_due(ACCEPTED, MEDICAL)
    once = deadlines.paused_due(ACCEPTED, due, a, (), MEDICAL)
    assert once == deadlines.mediation_due(ACCEPTED, MEDICAL, [a])
    if not (a.covers(b.first) or a.covers(b.last) or b.covers(a.first)):
        twice = deadlines.paused_due(ACCEPTED, once, b, [a], MEDICAL)
        assert twice == deadlines.mediation_due(ACCEPTED, MEDICAL, [a, b])


def test_a_medical_appraisal_adds_back_the_working_days_it_took() -> None:
    due = deadlines.mediation_due(ACCEPTED, MEDICAL)
    appraisal = Pause(date(2026, 10, 12), date(2026, 10, 23))  # two working weeks
    moved = deadlines.paused_due(ACCEPTED, due, appraisal, (), MEDICAL)
    assert (
        BUILTIN.workdays_between(
            due.astimezone(SHANGHAI).date() + timedelta(days=1), moved.astimezone(SHANGHAI).date()
        )
        == 10
    )
    assert moved.astimezone(SHANGHAI).hour == 10


def test_a_pause_before_acceptance_or_after_the_deadline_moves_nothing() -> None:
    due = deadlines.mediation_due(ACCEPTED, MEDICAL)
    last = due.astimezone(SHANGHAI).date()
    assert deadlines.paused_due(ACCEPTED, due, Pause(date(2026, 9, 1), date(2026, 9, 21)), (), MEDICAL) == due
    assert (
        deadlines.paused_due(
            ACCEPTED, due, Pause(last + timedelta(days=1), last + timedelta(days=9)), (), MEDICAL
        )
        == due
    )


def test_an_extension_granted_before_a_pause_is_kept() -> None:
    accepted = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 2 November
    extended = deadlines.extended_mediation_due(accepted, deadlines.mediation_due(accepted), 10)
    assert extended.astimezone(SHANGHAI).date() == date(2026, 12, 14)  # 40 days, Saturday -> Monday
    moved = deadlines.paused_due(accepted, extended, Pause(date(2026, 11, 10), date(2026, 11, 14)))
    assert moved.astimezone(SHANGHAI).date() == date(2026, 12, 21)  # 5 more days: Saturday 19 -> Monday


@pytest.mark.pg
@pytest.mark.clock(DEFAULT_NOW)  # its data are a fixed calendar around the default instant
async def test_the_medical_body_records_an_appraisal_and_the_deadline_moves(client: TestClient) -> None:
    police = await Person.login(client, "liaison_ps01")
    _, case = await police.post(
        "/api/v1/cases", case_body(category="medical", summary="手术后并发症，患者家属与医院争执。")
    )
    status, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201, referral
    rid = referral["id"]
    body = {"first_day": "2026-12-10", "last_day": "2026-12-23", "reason": "医疗损害鉴定"}
    body_early = await police.post(f"/api/v1/referrals/{rid}/pauses", body)
    assert body_early[0] == 403  # the police station is not the receiving body
    medical = await Person.login(client, "liaison_sb_medical")
    status, out = await medical.post(f"/api/v1/referrals/{rid}/pauses", body)
    assert status == 422 and out["error"]["code"] == "pause_refused"  # not accepted yet
    _, accepted = await medical.post(f"/api/v1/referrals/{rid}/actions", {"action": "accept"})
    before = datetime.fromisoformat(accepted["mediation_due"])
    status, out = await medical.post(f"/api/v1/referrals/{rid}/pauses", body)
    assert status == 201, out
    after = datetime.fromisoformat(out["mediation_due"])
    assert [p["reason"] for p in out["items"]] == ["医疗损害鉴定"]
    # Ten working days of the appraisal (10-23 December) come back after the old deadline.
    assert (
        BUILTIN.workdays_between(
            before.astimezone(SHANGHAI).date() + timedelta(days=1), after.astimezone(SHANGHAI).date()
        )
        == 10
    )
    _, events = await medical.get(f"/api/v1/referrals/{rid}/events")
    assert events["items"][-1]["action"] == "pause"
    status, html = await page(medical, f"/referrals/{rid}/pauses")
    assert status == 200 and "医疗损害鉴定" in html and 'data-testid="pause-form"' in html
    response = await submit(
        medical,
        f"/referrals/{rid}/pauses",
        {"first_day": "2026-12-30", "last_day": "2026-12-29", "reason": "x"},
    )
    assert response.status == 422 and "2026-12-30" in await response.text()  # what was typed stays
