"""The court as a user: it sees the applications addressed to it, and only those, accepts one with its
case number, asks for a correction that the room supplies, extends its decision period once with an
approval, confirms by its ruling or refuses with a reason; after a refusal the room mediates again
and a new agreement is applied for. The wrong side, the wrong state and a missing 案号, note, ruling
or reason are refused with their own codes, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub.audit import AuditEvent
from hub.db import Database
from hub.notifications import Notification
from referrals.models import Agreement, FollowUp, ReferralEvent
from tests.referrals.agreements.test_agreements import (
    agreement_body,
    confirm_all,
    put,
    resolved_with_agreement,
    today,
)
from tests.referrals.helpers import Person

pytestmark = pytest.mark.pg


async def applied(client: TestClient) -> int:
    """A fresh case resolved with an agreement whose application went to the district's court."""
    room, case_id, _parties = await resolved_with_agreement(client)
    status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/application", {})
    assert status == 200 and out["referral_state"] == "confirmation_applied", out
    return case_id


async def as_court(client: TestClient) -> Person:
    return await Person.login(client, "liaison_court")


async def step(person: Person, case_id: int, name: str, body: dict[str, Any]) -> tuple[int, Any]:
    return await person.post(f"/api/v1/cases/{case_id}/court/{name}", body)


async def test_the_court_sees_the_applications_addressed_to_it_and_no_other_case(client: TestClient) -> None:
    case_id = await applied(client)
    court = await as_court(client)
    status, cases = await court.get("/api/v1/cases?limit=500")
    assert status == 200
    numbers = {c["id"] for c in cases["items"]}
    assert case_id in numbers
    status, queue = await court.get("/api/v1/court/applications")
    assert status == 200 and case_id in {i["case_id"] for i in queue["items"]}
    # Everything it sees is an application addressed to it.
    assert numbers == {i["case_id"] for i in queue["items"]}
    status, out = await court.get(f"/api/v1/cases/{case_id}/court")
    assert status == 200 and out["steps"] == ["accept_application", "refuse_confirmation"], out
    assert out["clock"]["kind"] == "acceptance"
    pdf = await court.client.get(f"/cases/{case_id}/confirmation.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    # The court checks who the parties are: it reads their ID numbers in full, on the API and the page.
    status, case = await court.get(f"/api/v1/cases/{case_id}")
    ids = [p["id_number"] for p in case["parties"] if p["id_number"]]
    assert ids and all("*" not in n for n in ids), ids
    page = await (await court.client.get(f"/cases/{case_id}")).text()
    assert ids[0] in page
    # A case still in mediation is not the court's to see.
    room = await Person.login(client, "liaison_sr01")
    status, everything = await room.get("/api/v1/cases?limit=500")
    hidden = next(c["id"] for c in everything["items"] if c["id"] not in numbers)
    court = await as_court(client)
    assert (await court.get(f"/api/v1/cases/{hidden}"))[0] == 404
    assert (await court.get(f"/api/v1/cases/{hidden}/court"))[0] == 404


async def test_the_court_reads_but_does_not_act_as_the_room(client: TestClient) -> None:
    case_id = await applied(client)
    court = await as_court(client)
    status, out = await court.get(f"/api/v1/cases/{case_id}/agreement")
    assert status == 200
    refused = await put(court, f"/api/v1/cases/{case_id}/agreement", {"facts": "x"})
    assert refused[0] == 403 and refused[1]["error"]["code"] == "wrong_side"
    status, followups = await court.get(f"/api/v1/cases/{case_id}/followups")
    assert status == 200 and followups["total"] == 1
    visit = await court.post(
        f"/api/v1/cases/{case_id}/followups/{followups['items'][0]['id']}", {"outcome": "performed"}
    )
    assert visit[0] == 403


async def test_each_step_refuses_the_wrong_side_the_wrong_state_and_what_is_missing(
    client: TestClient,
) -> None:
    case_id = await applied(client)
    room = await Person.login(client, "liaison_sr01")
    for name, body in (("accept", {"court_case_number": "X"}), ("refuse", {"reason": "x"})):
        status, out = await step(room, case_id, name, body)
        assert (status, out["error"]["code"]) == (403, "wrong_side"), name
    police = await Person.login(client, "liaison_ps01")
    assert (await step(police, case_id, "accept", {"court_case_number": "X"}))[1]["error"][
        "code"
    ] == "wrong_side"
    court = await as_court(client)
    status, out = await step(
        court, case_id, "confirm", {"ruling_number": "R", "ruling_date": today().isoformat()}
    )
    assert (status, out["error"]["code"]) == (409, "transition_not_allowed")
    status, out = await step(court, case_id, "accept", {})
    assert (status, out["error"]["code"]) == (422, "court_case_number_required")
    assert "案号" in out["error"]["message"]
    response = await court.client.post(
        f"/api/v1/cases/{case_id}/court/accept",
        json={"court_case_number": "  "},
        headers={"X-CSRF-Token": court.csrf, "Accept-Language": "en"},
    )
    assert response.status == 422
    status, out = await step(court, case_id, "accept", {"court_case_number": "（2026）浙0106民特301号"})
    assert status == 200 and out["referral_state"] == "confirmation_accepted"
    assert out["clock"]["kind"] == "decision" and out["clock"]["days_left"] >= 15
    assert (await step(court, case_id, "correction", {}))[1]["error"]["code"] == "correction_note_required"
    assert (await step(court, case_id, "confirm", {"ruling_number": "R"}))[1]["error"][
        "code"
    ] == "ruling_required"
    assert (await step(court, case_id, "refuse", {"reason": " "}))[1]["error"][
        "code"
    ] == "refusal_reason_required"
    assert (await step(court, case_id, "extend", {}))[1]["error"]["code"] == "extension_approver_required"
    status, out = await step(court, case_id, "extend", {"approved_by": "周正", "reason": "案情复杂"})
    assert status == 200 and out["clock"]["extended"] and out["extension_approved_by"] == "周正"
    again = await step(court, case_id, "extend", {"approved_by": "周正"})
    assert again[1]["error"]["code"] == "extension_already_approved"
    status, out = await step(court, case_id, "accept", {"court_case_number": "Y"})
    assert (status, out["error"]["code"]) == (409, "transition_not_allowed")


async def test_a_correction_goes_to_the_room_and_comes_back_then_the_court_confirms(
    client: TestClient, db: Database
) -> None:
    case_id = await applied(client)
    court = await as_court(client)
    await step(court, case_id, "accept", {"court_case_number": "（2026）浙0106民特302号"})
    status, out = await step(court, case_id, "correction", {"note": "请补交双方身份证复印件"})
    assert status == 200 and out["referral_state"] == "correction_requested"
    assert out["correction_note"] == "请补交双方身份证复印件"
    status, out = await step(court, case_id, "resubmit", {"reply": "材料"})
    assert (status, out["error"]["code"]) == (403, "wrong_side")
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/api/v1/cases/{case_id}/court")
    assert out["steps"] == ["resubmit_application"], out
    assert (await step(room, case_id, "resubmit", {}))[1]["error"]["code"] == "correction_reply_required"
    status, out = await step(room, case_id, "resubmit", {"reply": "已补交身份证复印件"})
    assert status == 200 and out["referral_state"] == "confirmation_accepted"
    court = await as_court(client)
    status, out = await step(
        court,
        case_id,
        "confirm",
        {"ruling_number": "（2026）浙0106民特302号", "ruling_date": today().isoformat()},
    )
    assert status == 200 and out["referral_state"] == "confirmed" and out["clock"] is None
    async with db.read() as s:
        actions = (
            await s.scalars(
                select(ReferralEvent.action)
                .join(Agreement, Agreement.referral_id == ReferralEvent.referral_id)
                .where(Agreement.case_id == case_id)
                .order_by(ReferralEvent.id)
            )
        ).all()
        audited = await s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "referral.accept_application")
        )
        told = await s.scalar(select(func.count(Notification.id)).where(Notification.kind == "court.confirm"))
    assert actions[-4:] == ["accept_application", "request_correction", "resubmit_application", "confirm"]
    assert audited and told


async def test_after_a_refusal_the_room_mediates_again_and_applies_with_a_new_agreement(
    client: TestClient, db: Database
) -> None:
    case_id = await applied(client)
    court = await as_court(client)
    await step(court, case_id, "accept", {"court_case_number": "（2026）浙0106民特303号"})
    status, out = await step(court, case_id, "refuse", {"reason": "协议内容违反法律强制性规定"})
    assert status == 200 and out["referral_state"] == "confirmation_refused"
    room = await Person.login(client, "liaison_sr01")
    status, out = await room.get(f"/api/v1/cases/{case_id}/court")
    assert out["steps"] == ["reopen_mediation"]
    assert (await step(room, case_id, "reopen", {}))[1]["error"]["code"] == "reason_required"
    status, out = await step(room, case_id, "reopen", {"reason": "双方同意变更协议"})
    assert status == 200 and out["referral_state"] == "in_mediation" and out["agreement_superseded"]
    status, parties = await room.get(f"/api/v1/cases/{case_id}")
    ids = [p["id"] for p in parties["parties"]]
    status, out = await put(
        room, f"/api/v1/cases/{case_id}/agreement", agreement_body(ids, facts="变更后的协议。")
    )
    assert status == 200 and out["facts"] == "变更后的协议。" and not out["locked"], out
    await confirm_all(room, case_id, ids)
    resolved = await room.client.post(
        f"/cases/{case_id}/agreement/resolve", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert resolved.status == 303
    status, out = await room.post(f"/api/v1/cases/{case_id}/agreement/application", {})
    assert status == 200 and out["referral_state"] == "confirmation_applied", out
    async with db.read() as s:
        agreements = (await s.scalars(select(Agreement).where(Agreement.case_id == case_id))).all()
        pending_old = await s.scalar(
            select(func.count(FollowUp.id)).where(
                FollowUp.agreement_id == agreements[0].id, FollowUp.done_at.is_(None)
            )
        )
    assert len(agreements) == 2 and agreements[0].superseded_at and agreements[1].superseded_at is None
    assert pending_old == 0
    status, out = await room.get(f"/api/v1/cases/{case_id}/court")
    assert out["agreement_id"] == agreements[1].id and out["referral_state"] == "confirmation_applied"


async def test_the_package_is_one_pdf_with_its_list_of_materials(client: TestClient, tmp_path: Any) -> None:
    import subprocess

    case_id = await applied(client)
    court = await as_court(client)
    response = await court.client.get(f"/cases/{case_id}/court-package.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    path = tmp_path / "package.pdf"
    path.write_bytes(await response.read())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for needed in (
        "司法确认申请材料清单",
        "司法确认申请书",
        "人民调解协议书",
        "当事人身份证明",
        "其他材料",
        "共同申请",
    ):
        assert needed in compact, needed
    assert compact.index("材料清单") < compact.index("请求事项") < compact.index("身份证件复印件")
    assert "33010619900101123X" in compact  # the court sees the identity in full


async def test_the_court_queue_page_warns_of_the_demo_application_waiting_past_its_day(
    client: TestClient,
) -> None:
    court = await as_court(client)
    page = await court.client.get("/court")
    text = await page.text()
    assert page.status == 200 and 'data-testid="court-queue-warning"' in text
    assert 'data-testid="court-warning"' in text
    dashboard = await court.client.get("/")
    assert 'data-testid="panel-court"' in await dashboard.text()


async def test_the_demo_holds_an_application_in_every_court_state_and_the_court_sees_them(
    client: TestClient, db: Database
) -> None:
    from referrals.models import CourtApplication, Referral

    async with db.read() as s:
        rows = (
            await s.execute(
                select(Referral.state, Agreement.superseded_at)
                .join(CourtApplication, CourtApplication.referral_id == Referral.id)
                .join(Agreement, Agreement.id == CourtApplication.agreement_id)
            )
        ).all()
    held = {state for state, _superseded in rows}
    for state in (
        "confirmation_applied",
        "confirmation_accepted",
        "correction_requested",
        "confirmed",
        "confirmation_refused",
    ):
        assert state in held, state
    assert any(state == "in_mediation" and superseded for state, superseded in rows)
    court = await as_court(client)
    status, cases = await court.get("/api/v1/cases?limit=500")
    assert status == 200 and cases["total"] == len(rows)
    status, queue = await court.get("/api/v1/court/applications?open=true")
    late = [i for i in queue["items"] if i["clock"] and i["clock"]["status"] == "expired"]
    # Case 10 of the demo was accepted four weeks ago and is still waiting: past its 15 days.
    assert any(i["referral_state"] == "confirmation_accepted" for i in late), queue


async def test_the_sweep_warns_the_court_once_of_a_decision_past_its_day(db: Database) -> None:
    from hub.early_warnings import EarlyWarning
    from hub.events import Outbox
    from hub.orm import utcnow
    from referrals import sweeps

    first = await sweeps.run_all(db, utcnow(), Outbox(), zone="Asia/Shanghai")
    again = await sweeps.run_all(db, utcnow(), Outbox(), zone="Asia/Shanghai")
    assert first["court_deadlines"] >= 1 and again["court_deadlines"] == 0
    async with db.read() as s:
        warnings = (
            await s.scalars(select(EarlyWarning).where(EarlyWarning.kind == "court_decision_due"))
        ).all()
    assert any(w.severity == "critical" and w.link.endswith("/court") for w in warnings)


async def test_the_court_opens_the_case_page_and_the_room_sees_the_court_page_read_only(
    client: TestClient,
) -> None:
    case_id = await applied(client)
    court = await as_court(client)
    page = await court.client.get(f"/cases/{case_id}")
    assert page.status == 200
    assert (await court.client.get(f"/cases/{case_id}/court")).status == 200
    text = await (await court.client.get(f"/cases/{case_id}/court")).text()
    assert 'data-testid="court-accept"' in text
    room = await Person.login(client, "liaison_sr01")
    text = await (await room.client.get(f"/cases/{case_id}/court")).text()
    assert 'data-testid="court-accept"' not in text and 'data-testid="court-package"' in text
    refused = await room.client.post(
        f"/cases/{case_id}/court/accept", data={"_csrf": room.csrf, "court_case_number": "X"}
    )
    assert refused.status == 403 and 'data-testid="court-error"' in await refused.text()
