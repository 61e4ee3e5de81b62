"""Mediation agreements: the receiving room writes them, the parties confirm, the agreement locks,
judicial confirmation is applied for within 30 days, follow-up visits check the performance.
The sending station, outsiders and the wrong moment are refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub.audit import AuditEvent
from hub.db import Database
from hub.early_warnings import EarlyWarning
from hub.models import User
from hub.notifications import Notification
from hub.orm import utcnow
from hub.workdays import BUILTIN
from referrals import deadlines
from referrals.agreements import court
from referrals.models import Agreement
from tests.referrals.helpers import Person, case_body

pytestmark = pytest.mark.pg


def today() -> date:
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()


async def put(person: Person, path: str, body: Any) -> tuple[int, Any]:
    response = await person.client.put(path, json=body, headers={"X-CSRF-Token": person.csrf})
    return response.status, await response.json()


async def case_in_mediation(client: TestClient, **changes: Any) -> tuple[int, int, list[int]]:
    """A fresh PS01 case referred to SR01, accepted, a mediator assigned, in mediation."""
    police = await Person.login(client, "liaison_ps01")
    status, case = await police.post("/api/v1/cases", case_body(**changes))
    assert status == 201, case
    status, referral = await police.post(f"/api/v1/cases/{case['id']}/referrals", {})
    assert status == 201, referral
    room = await Person.login(client, "liaison_sr01")
    rid = referral["id"]
    assert (await room.post(f"/api/v1/referrals/{rid}/actions", {"action": "accept"}))[0] == 200
    status, mediators = await room.get(f"/api/v1/referrals/{rid}/mediators")
    assert status == 200, mediators
    assign = await room.post(
        f"/api/v1/referrals/{rid}/mediator", {"user_id": mediators["items"][0]["user_id"]}
    )
    assert assign[0] == 200, assign
    assert (await room.post(f"/api/v1/referrals/{rid}/actions", {"action": "start_mediation"}))[0] == 200
    return case["id"], rid, [p["id"] for p in case["parties"]]


def agreement_body(parties: list[int], effective: date | None = None, **changes: Any) -> dict[str, Any]:
    """The agreement as the room writes it; ``effective`` only dates the terms (the agreement takes
    effect when the last party confirms: ``confirm_all(..., on=...)``)."""
    applicant, respondent = parties
    body: dict[str, Any] = {
        "facts": "李雷家卫生间漏水，浸湿王芳家天花板。",
        "issues": "漏水原因及维修费用的承担。",
        "liabilities": "李雷家防水层老化致漏水，李雷应承担全部责任。",
        "terms": [
            {
                "obligor_party_id": respondent,
                "obligee_party_id": applicant,
                "description": "支付维修费",
                "amount": "1500.00",
                "due_date": ((effective or today()) + timedelta(days=10)).isoformat(),
            },
            {"obligor_party_id": respondent, "description": "修复卫生间防水层"},
        ],
        "other_terms": "双方今后和睦相处。",
        "recorder": "陈晓",
    }
    body.update(changes)
    return body


async def confirm_all(room: Person, case_id: int, parties: list[int], on: date | None = None) -> Any:
    """Every party confirms: now, or at 9:00 on the day ``on`` (recorded afterwards)."""
    out: Any = None
    for party_id, method in zip(parties, ("in_person", "online"), strict=True):
        body: dict[str, Any] = {"party_id": party_id, "method": method}
        if on is not None:
            body["confirmed_at"] = f"{on.isoformat()}T09:00:00+08:00"
        status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/confirmations", body)
        assert status == 201, out
    return out


async def audit_count(db: Database, action: str) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)) or 0)


async def test_the_receiving_room_writes_an_agreement_and_every_save_is_audited(
    client: TestClient, db: Database
) -> None:
    case_id, rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    before = await audit_count(db, "agreement.saved")
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert status == 200, out
    assert out["referral_id"] == rid and out["editable"] and not out["locked"]
    assert [t["description"] for t in out["terms"]] == ["支付维修费", "修复卫生间防水层"]
    assert out["parties"][0]["id_number"] == "33010619900101123X"  # the room works the case
    # Nobody has signed yet: no effective date, no clock.
    assert out["effective_date"] is None and out["confirmation_clock"] is None
    status, out = await put(
        room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, other_terms="")
    )
    assert status == 200 and out["other_terms"] == ""
    assert await audit_count(db, "agreement.created") >= 1
    assert await audit_count(db, "agreement.saved") == before + 1


async def test_a_liaison_of_the_sending_station_cannot_edit_the_agreement(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    assert (await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties)))[0] == 200
    police = await Person.login(client, "liaison_ps01")
    status, out = await put(
        police, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, facts="改了")
    )
    assert status == 403 and out["error"]["code"] == "wrong_side"
    status, out = await police.get(f"/api/v1/cases/{case_id}/agreement")
    assert status == 200 and out["facts"].startswith("李雷家") and not out["editable"]
    confirm = await police.post(
        f"/api/v1/cases/{case_id}/agreement/confirmations", {"party_id": parties[0], "method": "online"}
    )
    assert confirm[0] == 403


async def test_an_outsider_gets_404_on_the_page_the_api_and_both_pdfs(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    assert (await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties)))[0] == 200
    outsider = await Person.login(client, "liaison_ps02")
    for path in (
        f"/cases/{case_id}/agreement",
        f"/api/v1/cases/{case_id}/agreement",
        f"/cases/{case_id}/agreement.pdf",
        f"/cases/{case_id}/confirmation.pdf",
        f"/cases/{case_id}/followups",
        f"/api/v1/cases/{case_id}/followups",
    ):
        assert (await outsider.client.get(path)).status == 404, path
    status, out = await put(outsider, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert status == 404 and out["error"]["code"] == "not_found"


async def test_terms_must_name_parties_of_the_case(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    body = agreement_body(parties)
    body["terms"][0]["obligee_party_id"] = body["terms"][0]["obligor_party_id"]
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", body)
    assert status == 422 and out["error"]["code"] == "bad_party"
    body["terms"][0]["obligee_party_id"] = 999999
    assert (await put(room, f"/api/v1/cases/{case_id}/agreement", body))[0] == 422
    status, out = await room.get(f"/api/v1/cases/{case_id}/agreement")
    assert status == 404 and out["error"]["code"] == "agreement_missing"


async def test_changing_the_text_withdraws_the_confirmations_given_so_far(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    status, out = await room.post(
        f"/api/v1/cases/{case_id}/agreement/confirmations", {"party_id": parties[0], "method": "in_person"}
    )
    assert status == 201 and out["parties"][0]["confirmed_at"] and out["parties"][0]["method"] == "in_person"
    again = await room.post(
        f"/api/v1/cases/{case_id}/agreement/confirmations", {"party_id": parties[0], "method": "online"}
    )
    assert again[0] == 409 and again[1]["error"]["code"] == "already_confirmed"
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    assert out["parties"][0]["confirmed_at"] is not None  # the same text: the confirmation stands
    status, out = await put(
        room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, facts="新的事实")
    )
    assert status == 200 and out["parties"][0]["confirmed_at"] is None


async def test_an_incomplete_agreement_cannot_be_confirmed(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, facts=""))
    status, out = await room.post(
        f"/api/v1/cases/{case_id}/agreement/confirmations", {"party_id": parties[0], "method": "online"}
    )
    assert status == 422 and out["error"]["code"] == "agreement_incomplete"


async def test_a_locked_agreement_refuses_edits_and_changes_nothing(client: TestClient, db: Database) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    locked = await confirm_all(room, case_id, parties)
    assert locked["locked"] and not locked["editable"]
    assert {p["method"] for p in locked["parties"]} == {"in_person", "online"}
    saves = await audit_count(db, "agreement.saved")

    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, facts="偷改"))
    assert status == 409 and out["error"]["code"] == "agreement_locked"
    assert "confirmed" in out["error"]["message"] or "确认" in out["error"]["message"]
    assert (await room.get(f"/api/v1/cases/{case_id}/agreement"))[1] == locked
    assert await audit_count(db, "agreement.saved") == saves

    form = await room.client.post(
        f"/cases/{case_id}/agreement", data={"_csrf": room.csrf, "facts": "偷改", "effective_date": ""}
    )
    assert form.status == 409 and 'data-testid="agreement-error"' in await form.text()
    assert (await room.get(f"/api/v1/cases/{case_id}/agreement"))[1]["facts"] == locked["facts"]


async def test_the_page_builds_an_agreement_from_form_rows(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    page = await room.client.get(f"/cases/{case_id}/agreement")
    assert page.status == 200 and 'data-testid="agreement-form"' in await page.text()
    due = (today() + timedelta(days=40)).isoformat()
    fields = (
        "kind",
        "obligor",
        "obligee",
        "description",
        "amount",
        "due_date",
        "method",
        "place",
        "instalments",
    )
    data = [
        ("_csrf", room.csrf),
        ("facts", "邻里漏水纠纷。"),
        ("issues", "维修费用的承担。"),
        ("liabilities", "李雷承担全部责任。"),
        ("other_terms", ""),
        ("copies", ""),
        ("recorder", "陈晓"),
        *[
            (k, v)
            for row in (
                ("payment", str(parties[1]), str(parties[0]), "维修费", "800", "", "transfer", "", ""),
                ("payment", str(parties[1]), str(parties[0]), "误工费", "", "", "cash", "", f"{due} 300"),
                ("act", str(parties[0]), "", "配合入户维修", "", due, "", "", ""),
                ("payment", str(parties[0]), "", "", "", "", "", "", ""),  # the spare row, left empty
            )
            for k, v in zip(fields, row, strict=True)
        ],
    ]
    response = await room.client.post(f"/cases/{case_id}/agreement", data=data, allow_redirects=False)
    assert response.status == 303, await response.text()
    status, out = await room.get(f"/api/v1/cases/{case_id}/agreement")
    assert [(t["kind"], t["description"], t["amount"], t["method"]) for t in out["terms"]] == [
        ("payment", "维修费", "800.00", "transfer"),
        ("payment", "误工费", "300.00", "cash"),
        ("act", "配合入户维修", None, ""),
    ]
    assert out["terms"][1]["instalments"] == [{"due": due, "amount": "300.00"}]
    assert (
        out["terms"][2]["sentence"].startswith("王芳于")
        and "（含当日）配合入户维修。" in out["terms"][2]["sentence"]
    )
    assert out["issues"] == "维修费用的承担。" and out["recorder"] == "陈晓" and out["copies"] == 3

    for party in parties:  # no clock while one party has yet to sign, then the last one starts it
        text = await (await room.client.get(f"/cases/{case_id}/agreement")).text()
        assert 'data-testid="confirmation-clock"' not in text
        confirm = await room.client.post(
            f"/cases/{case_id}/agreement/confirmations",
            data={"_csrf": room.csrf, "party_id": str(party), "method": "in_person", "confirmed_at": ""},
            allow_redirects=False,
        )
        assert confirm.status == 303
    text = await (await room.client.get(f"/cases/{case_id}/agreement")).text()
    assert 'data-testid="confirmation-clock"' in text and "clock-ok" in text
    assert f'data-testid="effective-date">{today().isoformat()}<' in text


def effective_leaving(days_left: range) -> date:
    """An effective date whose confirmation window (30 days, moved past holidays by the statutory
    calendar) has ``days_left`` from today: the nearest such date looking back."""
    for back in range(0, 120):
        effective = today() - timedelta(days=back)
        if deadlines.days_left(deadlines.confirmation_deadline(effective), today()) in days_left:
            return effective
    raise AssertionError(f"no effective date leaves {days_left}")


@pytest.mark.parametrize(
    ("days_left", "css"),
    [
        (range(30, 60), "clock-ok"),
        (range(8, 30), "clock-ok"),
        (range(0, 8), "clock-soon"),
        (range(-9, 0), "clock-expired"),
    ],
)
async def test_the_page_colours_the_confirmation_clock(
    client: TestClient, days_left: range, css: str
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    effective = effective_leaving(days_left)
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, effective))
    await confirm_all(room, case_id, parties, on=effective)
    text = await (await room.client.get(f"/cases/{case_id}/agreement")).text()
    assert css in text


@pytest.mark.parametrize(
    ("effective", "today_", "expected"),
    [
        (None, date(2026, 11, 28), None),
        (date(2026, 11, 28), date(2026, 11, 28), (date(2026, 12, 28), 30)),
        (date(2026, 11, 28), date(2026, 12, 28), (date(2026, 12, 28), 0)),
        (date(2026, 11, 28), date(2026, 12, 29), (date(2026, 12, 28), -1)),
        (date(2027, 1, 31), date(2027, 2, 1), (date(2027, 3, 2), 29)),
    ],
)
def test_the_confirmation_clock_counts_calendar_days(
    effective: date | None, today_: date, expected: tuple[date, int] | None
) -> None:
    agreement = Agreement(effective_date=effective)
    assert court.confirmation_clock(agreement, today_, deadlines.DEFAULT) == expected


def test_no_clock_runs_once_the_application_is_made() -> None:
    agreement = Agreement(effective_date=date(2026, 11, 28), confirmation_applied_at=utcnow())
    assert court.confirmation_clock(agreement, date(2026, 11, 29)) is None


async def resolved_with_agreement(
    client: TestClient, effective: date | None = None
) -> tuple[Person, int, list[int]]:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties, effective))
    await confirm_all(room, case_id, parties, on=effective)
    resolved = await room.client.post(
        f"/cases/{case_id}/agreement/resolve", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert resolved.status == 303, await resolved.text()
    return room, case_id, parties


async def test_the_courts_steps_are_taken_only_on_the_agreement_and_a_settled_case_stays_settled(
    client: TestClient,
) -> None:
    case_id, rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    await confirm_all(room, case_id, parties)
    resolved = await room.client.post(
        f"/cases/{case_id}/agreement/resolve", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert resolved.status == 303
    for action in ("apply_confirmation", "confirm"):
        status, out = await room.post(f"/api/v1/referrals/{rid}/actions", {"action": action})
        assert (status, out["error"]["code"]) == (409, "use_the_court_form"), action
    status, out = await room.get(f"/api/v1/cases/{case_id}/agreement")
    assert out["referral_state"] == "resolved" and out["confirmation_applied_at"] is None
    police = await Person.login(client, "liaison_ps01")
    status, out = await police.post(f"/api/v1/cases/{case_id}/referrals", {})
    assert (status, out["error"]["code"]) == (409, "case_settled")


async def test_applying_after_the_window_is_refused(client: TestClient) -> None:
    effective = effective_leaving(range(-9, 0))
    room, case_id, _parties = await resolved_with_agreement(client, effective)
    status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/application", {})
    assert status == 409 and out["error"]["code"] == "confirmation_window_closed"
    assert deadlines.confirmation_deadline(effective).isoformat() in out["error"]["message"]
    status, out = await room.get(f"/api/v1/cases/{case_id}/agreement")
    assert out["referral_state"] == "resolved" and out["confirmation_applied_at"] is None
    assert out["confirmation_clock"]["expired"]


async def test_judicial_confirmation_is_applied_for_and_decided_by_the_court(client: TestClient) -> None:
    # The last day of the window (on a working day: the window never ends on a rest day).
    last_day = range(0, 1) if BUILTIN.is_workday(today()) else range(1, 8)
    room, case_id, _parties = await resolved_with_agreement(client, effective_leaving(last_day))
    status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/application", {})
    assert status == 200, out
    assert out["referral_state"] == "confirmation_applied" and out["court_agency_id"]
    assert out["confirmation_clock"] is None
    # The room no longer records the court's decision: the court takes its own steps.
    status, out = await room.post(f"/api/v1/cases/{case_id}/court/accept", {"court_case_number": "X"})
    assert (status, out["error"]["code"]) == (403, "wrong_side")
    court_ = await Person.login(client, "liaison_court")
    status, out = await court_.post(
        f"/api/v1/cases/{case_id}/court/accept", {"court_case_number": "（2026）浙0106民特201号"}
    )
    assert status == 200, out
    status, out = await court_.post(
        f"/api/v1/cases/{case_id}/court/confirm",
        {"ruling_number": "（2026）浙0106民特201号", "ruling_date": today().isoformat()},
    )
    assert status == 200 and out["referral_state"] == "confirmed", out
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/api/v1/cases/{case_id}/agreement")
    assert out["court_outcome"] == "confirmed" and out["court_reference"] == "（2026）浙0106民特201号"


async def test_a_not_performed_visit_raises_exactly_one_warning_for_the_supervisors(
    client: TestClient, db: Database
) -> None:
    room, case_id, _parties = await resolved_with_agreement(client)
    status, visits = await room.get(f"/api/v1/cases/{case_id}/followups")
    assert status == 200 and visits["total"] == 1  # one dated term
    visit = visits["items"][0]
    police = await Person.login(client, "liaison_ps01")
    refused = await police.post(f"/api/v1/cases/{case_id}/followups/{visit['id']}", {"outcome": "performed"})
    assert refused[0] == 403
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.post(
        f"/api/v1/cases/{case_id}/followups/{visit['id']}", {"outcome": "not_performed", "notes": "未付款"}
    )
    assert status == 200 and out["outcome"] == "not_performed" and out["done_at"]
    again = await room.post(f"/api/v1/cases/{case_id}/followups/{visit['id']}", {"outcome": "performed"})
    assert again[0] == 409 and again[1]["error"]["code"] == "followup_done"
    async with db.read() as s:
        warnings = (
            await s.scalars(
                select(EarlyWarning).where(
                    EarlyWarning.case_id == case_id, EarlyWarning.kind == "nonperformance"
                )
            )
        ).all()
        supervisor = await s.scalar(select(User.id).where(User.username == "supervisor"))
        told = await s.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == supervisor, Notification.kind == "followup.nonperformance"
            )
        )
    assert len(warnings) == 1 and warnings[0].severity == "critical"
    assert told and told >= 1
    boss = await Person.login(client, "supervisor")
    page = await boss.client.get("/warnings?kind=nonperformance")
    if page.status == 200:
        assert str(warnings[0].params["number"]) in await page.text()


async def test_the_case_is_closed_only_after_its_follow_up_visits(client: TestClient) -> None:
    room, case_id, _parties = await resolved_with_agreement(client)
    close = await room.client.post(f"/cases/{case_id}/followups/close", data={"_csrf": room.csrf})
    assert close.status == 409 and "1" in await close.text()
    visits = (await room.get(f"/api/v1/cases/{case_id}/followups"))[1]["items"]
    recorded = await room.client.post(
        f"/cases/{case_id}/followups/{visits[0]['id']}",
        data={"_csrf": room.csrf, "outcome": "performed", "notes": "已付清", "visited_at": ""},
        allow_redirects=False,
    )
    assert recorded.status == 303
    close = await room.client.post(
        f"/cases/{case_id}/followups/close", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert close.status == 303
    assert (await room.get(f"/api/v1/cases/{case_id}/agreement"))[1]["referral_state"] == "closed"


async def test_an_agreement_without_dated_terms_gets_one_visit_a_week_after_it_took_effect(
    client: TestClient,
) -> None:
    case_id, rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    body = agreement_body(parties)
    body["terms"] = [
        {"obligor_party_id": parties[1], "obligee_party_id": parties[0], "description": "赔礼道歉"}
    ]
    await put(room, f"/api/v1/cases/{case_id}/agreement", body)
    first = f"/api/v1/cases/{case_id}/agreement/confirmations"
    assert (await room.post(first, {"party_id": parties[0], "method": "in_person"}))[0] == 201
    # Resolved through the referral API while one party has yet to confirm: nothing to follow up yet.
    assert (await room.post(f"/api/v1/referrals/{rid}/actions", {"action": "resolve"}))[0] == 200
    assert (await room.get(f"/api/v1/cases/{case_id}/followups"))[1]["total"] == 0
    # The last confirmation (still allowed once resolved) locks it and schedules the visit.
    status, out = await room.post(first, {"party_id": parties[1], "method": "online"})
    assert status == 201 and out["locked"]
    visits = (await room.get(f"/api/v1/cases/{case_id}/followups"))[1]["items"]
    assert [(v["due_date"], v["term_id"]) for v in visits] == [
        ((today() + timedelta(days=7)).isoformat(), None)
    ]


async def test_the_dashboard_can_list_the_running_clocks_of_what_one_may_see(
    client: TestClient, db: Database
) -> None:
    effective = effective_leaving(range(1, 8))
    room, case_id, _parties = await resolved_with_agreement(client, effective)
    from hub.permissions import Scope

    async with db.read() as s:
        sr01 = await s.scalar(select(User.agency_id).where(User.username == "liaison_sr01"))
        ps02 = await s.scalar(select(User.agency_id).where(User.username == "liaison_ps02"))
        assert sr01 and ps02
        mine = await court.running_clocks(s, Scope(frozenset({sr01})), today())
        theirs = await court.running_clocks(s, Scope(frozenset({ps02})), today())
    clock = next(c for c in mine if c.case_id == case_id)
    assert clock.deadline == deadlines.confirmation_deadline(effective)
    assert clock.days_left == deadlines.days_left(clock.deadline, today()) in range(1, 8)
    assert mine == sorted(mine, key=lambda c: c.days_left)
    assert case_id not in {c.case_id for c in theirs}


async def test_a_typed_effective_date_is_refused_in_the_users_language(client: TestClient) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    body = agreement_body(parties, effective_date=(today() - timedelta(days=31)).isoformat())
    status, out = await put(room, f"/api/v1/cases/{case_id}/agreement", body)
    assert status == 422 and out["error"]["code"] == "effective_date_not_typed"
    assert "last party" in out["error"]["message"] or "最后一方" in out["error"]["message"]
    assert (await room.get(f"/api/v1/cases/{case_id}/agreement"))[0] == 404  # nothing was saved


async def test_the_agreement_takes_effect_on_the_day_the_last_party_signs_in_china(
    client: TestClient,
) -> None:
    case_id, _rid, parties = await case_in_mediation(client)
    room = await Person.login(client, "liaison_sr01")
    await put(room, f"/api/v1/cases/{case_id}/agreement", agreement_body(parties))
    first, last = today() - timedelta(days=3), today() - timedelta(days=1)
    path = f"/api/v1/cases/{case_id}/agreement/confirmations"
    status, out = await room.post(
        path, {"party_id": parties[0], "method": "in_person", "confirmed_at": f"{first}T10:00:00+08:00"}
    )
    assert status == 201 and out["effective_date"] is None and out["confirmation_clock"] is None
    # 23:30 in Qingchuan is 15:30 UTC the same day: the day in China counts.
    status, out = await room.post(
        path, {"party_id": parties[1], "method": "online", "confirmed_at": f"{last}T15:30:00+00:00"}
    )
    assert status == 201 and out["locked"]
    assert out["effective_date"] == last.isoformat()
    assert out["confirmation_clock"]["deadline"] == deadlines.confirmation_deadline(last).isoformat()
