"""Grid workers report from the phone: a dispute or a hidden risk with photos reaches the village
committee by the rules, an urgent one alerts the station and the supervisors, the worker follows
what their grid reported (and nothing of another grid), and files the committee's daily report."""

from __future__ import annotations

import io
import re
import uuid

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub.db import Database
from hub.early_warnings import EarlyWarning
from hub.models import Agency, Area, User
from hub.notifications import Notification
from referrals.evidence import demo as evidence_demo
from referrals.models import Case, Evidence, GridReport, Referral, Report
from tests.referrals.helpers import Person

PHOTO = evidence_demo.photo_png()
PAGE_LIMIT = 100 * 1024


async def _area(db: Database, code: str) -> int:
    async with db.read() as s:
        area_id = await s.scalar(select(Area.id).where(Area.code == code))
    assert area_id is not None
    return int(area_id)


def report_form(grid_id: int, photos: list[tuple[bytes, str]] | None = None, **changes: str) -> FormData:
    fields = {
        "idempotency_key": uuid.uuid4().hex,
        "kind": "hidden_risk",
        "urgency": "normal",
        "category": "neighbour",
        "summary": "两户村民因院墙滴水争执，情绪激动。",
        "grid_id": str(grid_id),
        "address": "幸福社区3组12号",
        "latitude": "30.274100",
        "longitude": "120.155200",
        "accuracy": "18",
        **changes,
    }
    data = FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    for name, phone in (("周桂兰", "13605710041"), ("吴德明", "")):
        data.add_field("party_name", name)
        data.add_field("party_phone", phone)
    for content, filename in photos if photos is not None else [(PHOTO, "现场.png")]:
        data.add_field("photos", io.BytesIO(content), filename=filename, content_type="image/png")
    return data


async def send_report(person: Person, data: FormData) -> tuple[int, str, str]:
    response = await person.client.post(f"/grid/new?_csrf={person.csrf}", data=data, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


def case_id_of(location: str) -> int:
    found = re.match(r"^/grid/items/(\d+)\?new=1$", location)
    assert found, location
    return int(found.group(1))


async def test_cases_new_leads_a_grid_worker_to_the_phone_form_and_others_to_the_intake_form(
    client: TestClient, db: Database
) -> None:
    worker = await Person.login(client, "grid_worker01")
    response = await client.get("/cases/new", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/grid/new"
    response = await client.get("/cases/new")
    page = await response.read()
    assert response.status == 200 and response.url.path == "/grid/new"
    assert len(page) < PAGE_LIMIT and 'name="photos"' in page.decode()
    assert worker.csrf

    # A form sent to /cases/new goes on, as it is, to the phone form's handler.
    response = await client.post(
        f"/cases/new?_csrf={worker.csrf}",
        data=report_form(await _area(db, "T01V01G1")),
        allow_redirects=False,
    )
    assert response.status == 307 and response.headers["Location"] == f"/grid/new?_csrf={worker.csrf}"

    await Person.login(client, "liaison_ps01")
    response = await client.get("/cases/new")
    assert response.status == 200 and 'data-testid="intake-form"' in await response.text()
    await Person.login(client, "supervisor")
    assert (await client.get("/cases/new", allow_redirects=False)).status == 403


async def test_a_report_with_a_photo_reaches_the_village_committee_by_the_rules(
    client: TestClient, db: Database
) -> None:
    worker = await Person.login(client, "grid_worker01")
    grid = await _area(db, "T01V01G1")
    status, location, text = await send_report(worker, report_form(grid))
    assert status == 303, text
    case_id = case_id_of(location)
    async with db.read() as s:
        case = await s.get(Case, case_id)
        report = await s.get(GridReport, case_id)
        photos = (await s.scalars(select(Evidence).where(Evidence.case_id == case_id))).all()
        referral = await s.scalar(select(Referral).where(Referral.case_id == case_id))
        committee = await s.scalar(select(Agency).where(Agency.code == "MC-T01V01"))
    assert case is not None and report is not None and referral is not None and committee is not None
    assert case.channel == "grid_report" and case.area_id == grid and case.created_agency_id == committee.id
    assert case.consent_method == "initiative" and case.consent_by == committee.name
    assert [p.name for p in case.parties] == ["周桂兰", "吴德明"]
    assert (report.kind, report.urgency, str(report.latitude), report.accuracy_m) == (
        "hidden_risk",
        "normal",
        "30.274100",
        18,
    )
    assert [(p.kind, p.media_type) for p in photos] == [("photo", "image/png")]
    assert referral.to_agency_id == committee.id and referral.state == "sent"
    assert "日常纠纷由本村（居）调委会就地化解" in referral.explanation["rule_name"]

    page = await client.get(location)
    body = await page.text()
    assert page.status == 200 and len(body.encode()) < PAGE_LIMIT
    assert committee.name in body and "30.274100" in body

    # The committee's liaison finds it in the queue and may act on it.
    liaison = await Person.login(client, "liaison_mc_t01v01")
    status, found = await liaison.get(f"/api/v1/cases/{case_id}")
    assert status == 200 and found["channel"] == "grid_report"
    status, moved = await liaison.post(f"/api/v1/referrals/{referral.id}/actions", {"action": "accept"})
    assert status == 200 and moved["state"] == "accepted"


async def test_the_same_form_sent_twice_makes_one_report(client: TestClient, db: Database) -> None:
    worker = await Person.login(client, "grid_worker01")
    grid = await _area(db, "T01V01G1")
    key = uuid.uuid4().hex
    _, first, _ = await send_report(worker, report_form(grid, idempotency_key=key))
    status, again, _ = await send_report(worker, report_form(grid, idempotency_key=key))
    assert status == 303 and again == f"/grid/items/{case_id_of(first)}"


async def test_only_photos_are_taken_and_a_refused_report_leaves_nothing(
    client: TestClient, db: Database
) -> None:
    worker = await Person.login(client, "grid_worker01")
    grid = await _area(db, "T01V01G1")
    async with db.read() as s:
        before = await s.scalar(select(func.count(Case.id)))
    status, _, text = await send_report(worker, report_form(grid, [(b"%PDF-1.4\n%%EOF\n", "a.pdf")]))
    assert status == 422 and "a.pdf" in text
    status, _, text = await send_report(worker, report_form(grid, summary=""))
    assert status == 422 and 'data-testid="error-summary"' in text
    status, _, text = await send_report(worker, report_form(grid, [(PHOTO, f"{n}.png") for n in range(5)]))
    assert status == 422
    async with db.read() as s:
        assert await s.scalar(select(func.count(Case.id))) == before


async def test_an_urgent_risk_alerts_the_station_and_the_supervisors_at_once(
    client: TestClient, db: Database
) -> None:
    worker = await Person.login(client, "grid_worker01")
    grid = await _area(db, "T01V01G1")
    status, location, text = await send_report(
        worker,
        report_form(grid, urgency="urgent", category="land_acquisition", summary="拆迁户聚集，情绪激动。"),
    )
    assert status == 303, text
    case_id = case_id_of(location)
    async with db.read() as s:
        told = set(
            (
                await s.scalars(
                    select(User.username)
                    .join(Notification, Notification.user_id == User.id)
                    .where(Notification.kind == "case.urgent_risk", Notification.link == f"/cases/{case_id}")
                )
            ).all()
        )
        warning = await s.scalar(select(EarlyWarning).where(EarlyWarning.case_id == case_id))
        referral = await s.scalar(select(Referral).where(Referral.case_id == case_id))
        land = await s.scalar(select(Agency.id).where(Agency.code == "SB-LAND"))
    assert {"liaison_ps01", "supervisor", "psb_supervisor"} <= told
    assert "liaison_ps02" not in told  # another town's station
    assert warning is not None and warning.kind == "urgent_risk" and warning.severity == "critical"
    assert referral is not None and referral.to_agency_id == land  # the land body, by its rule


async def test_a_grid_worker_sees_only_their_own_grid(client: TestClient, db: Database) -> None:
    worker = await Person.login(client, "grid_worker01")
    mine, other = await _area(db, "T01V01G1"), await _area(db, "T01V01G2")
    _, location, _ = await send_report(worker, report_form(mine, summary="本网格内的纠纷。"))
    case_id = case_id_of(location)
    status, _, text = await send_report(worker, report_form(other))
    assert status == 422 and 'data-testid="error-grid_id"' in text
    assert (await client.get("/grid")).status == 200
    assert "本网格内的纠纷" in await (await client.get("/grid")).text()
    # Not the committee's other cases, nor anything through the case pages or the API.
    for path in (f"/cases/{case_id}", "/cases", "/api/v1/cases", "/referrals"):
        assert (await client.get(path, allow_redirects=False)).status == 403, path

    for username in ("grid_worker04", "grid_worker02"):  # the same committee's other grid; another village
        await Person.login(client, username)
        assert (await client.get(location)).status == 404
        assert "本网格内的纠纷" not in await (await client.get("/grid")).text()


async def test_a_grid_worker_files_the_committees_zero_report(client: TestClient, db: Database) -> None:
    worker = await Person.login(client, "grid_worker01")
    page = await client.get("/grid/daily")
    assert page.status == 200 and 'data-testid="zero-report"' in await page.text()
    zero = {"_csrf": worker.csrf, "kind": "zero"}
    response = await client.post("/grid/daily", data=zero, allow_redirects=False)
    assert response.status == 303
    again = await client.post("/grid/daily", data=zero)
    assert again.status == 409
    async with db.read() as s:
        committee = await s.scalar(select(Agency.id).where(Agency.code == "MC-T01V01"))
        kinds = (await s.scalars(select(Report.kind).where(Report.agency_id == committee))).all()
    assert "zero" in kinds
    assert 'data-testid="daily-done"' in await (await client.get("/grid/daily")).text()


async def test_the_dashboard_gives_a_grid_worker_their_card(client: TestClient) -> None:
    await Person.login(client, "grid_worker01")
    page = await client.get("/")
    body = await page.text()
    assert 'data-testid="panel-grid"' in body and len(body.encode()) < PAGE_LIMIT
