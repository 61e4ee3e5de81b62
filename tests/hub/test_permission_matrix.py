"""The permission matrix: who may open what, one cell per (route, person), against a running app.

Read the table as: the route, then for each demo person (one per role and agency kind) whether the
page or document opens ("ok", any 2xx) or is refused ("no": 403, or 404 where the object is hidden
from them). Objects come from the demo district at test start:

- ``{ps01}``: a case taken in by police station PS01, mediated by its room SR01, with an agreement
  (``{ps01_confirmed}``: another PS01 case whose agreement went to court for confirmation);
- ``{ps02}``: a case of station PS02 with an agreement, mediated by SR02;
- ``{evidence}``: a photo the PS01 liaison uploads to ``{ps01}`` at test start;
- ``{meeting}``: a held liaison meeting of the justice bureau (``{meeting}.ics`` is its calendar entry);
- ``{session}``: the demo's video mediation session (a PS02 case in SR02, mediator04).

The second table, ``WRITES``, holds the routes that change something: the API's POST, PUT, PATCH
and DELETE and the pages' form posts, each with a body that would do its work. A "no" cell must be
refused (403 or 404) and leave the database as it was: every refused request of the table is sent
first, and every table's rows are compared before and after. Then the "ok" cells are sent: any
answer but 403 or 404 (a 409 for a step already taken by the person before, or a 422 for a state
the object is not in, is an allowed person meeting the rules of the domain, not the permission).
``{ps01_party}`` is ``{ps01}``'s first party, ``{ps01_referral}`` its referral.

Change a cell when the product's rule changes (docs/architecture.md and each package's
``permissions.py``); a cell the app disagrees with is a bug in the app.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path

import pytest
from aiohttp import ClientSession, FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from hub.config import Config
from hub.db import Database
from hub.models import Agency, User
from hub.orm import utcnow
from meetings.models import Meeting
from referrals.evidence.demo import photo_png
from referrals.models import Agreement, Case, Party, Referral
from rtc.models import MediationSession, Participant, Recording
from tests.referrals.helpers import Person

pytestmark = pytest.mark.slow

# One person per role and agency kind; the column heading in the table below.
PEOPLE = (
    "admin",  # ad: platform operator (superuser)
    "psb_admin",  # pa: police sub-bureau admin
    "station_admin_ps01",  # sa: police station admin
    "liaison_ps01",  # p1: police station liaison (takes the case in)
    "liaison_ps02",  # p2: another station's liaison
    "liaison_sr01",  # r1: stationed mediation room liaison (receives)
    "mediator01",  # m1: mediator of SR01
    "mediator04",  # m4: mediator of SR02, holds the video session
    "liaison_jb",  # jb: justice bureau liaison
    "liaison_court",  # ct: the court
    "liaison_sb_labour",  # sb: specialised body
    "secretary",  # se: liaison-meeting secretary (justice bureau)
    "supervisor",  # su: justice bureau supervisor
    "psb_supervisor",  # ps: police sub-bureau supervisor
    "grid_worker01",  # gw: village committee grid worker
)
COLUMNS = ("ad", "pa", "sa", "p1", "p2", "r1", "m1", "m4", "jb", "ct", "sb", "se", "su", "ps", "gw")

# fmt: off
MATRIX: list[tuple[str, str]] = [
    # route                                          ad pa sa p1 p2 r1 m1 m4 jb ct sb se su ps gw
    # Administration: the platform operator and agency admins.
    ("/admin/users",                               "ok ok ok no no no no no no no no no no no no"),
    # Lists and reports: open to whoever has the permission; their contents are scoped to the
    # person's agencies (tested beside each list). Grid workers see their grids on /grid instead.
    # (/assessment.pdf has /assessment's permission and takes 10 s to render for everyone: left out.)
    ("/cases",                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/api/v1/cases?limit=1",                      "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/referrals",                                 "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/court",                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/reports",                                   "ok ok ok ok ok ok no no ok ok ok no ok ok no"),
    ("/assessment",                                "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/assessment.xlsx",                           "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/stats",                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/stats.csv",                                 "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/stats.xlsx",                                "ok ok ok ok ok ok ok ok ok ok ok ok ok ok no"),
    ("/mediations",                                "ok ok ok ok ok ok ok ok ok ok ok no ok ok no"),
    # Scheduling one: whoever may run sessions (liaisons, mediators, admins; not supervisors, who
    # watch). The page lists only the cases their agency mediates (tests/rtc/test_scheduling_pages.py).
    ("/mediations/new",                            "ok ok ok ok ok ok ok ok ok ok ok no no no no"),
    ("/meetings",                                  "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("/inbox",                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("/grid",                                      "ok no no no no no no no no no no no no no ok"),
    # Early warnings: admins and supervisors.
    ("/warnings",                                  "ok ok ok no no no no no no no no no ok ok no"),
    # The directory of agencies is for everyone; tokens for admins; the district's rules for admins
    # at district level. A user's record: admins of an agency at or above theirs.
    ("/admin/agencies",                            "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"),
    ("/admin/tokens",                              "ok ok ok no no no no no no no no no no no no"),
    ("/admin/rules",                               "ok ok no no no no no no no no no no no no no"),
    ("/api/v1/users/{ps01_user}",                  "ok ok ok no no no no no no no no no no no no"),
    ("/api/v1/users/{ps02_user}",                  "ok ok no no no no no no no no no no no no no"),
    # A case: the station that took it in and those above it, the room it was referred to and those
    # above the room; the court once its agreement is before the court. Nobody else.
    ("/cases/{ps01}",                              "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/api/v1/cases/{ps01}",                       "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps02}",                              "ok ok no no ok no no ok no ok no no ok ok no"),
    ("/api/v1/cases/{ps02}",                       "ok ok no no ok no no ok no ok no no ok ok no"),
    # Its papers follow the case.
    ("/cases/{ps01}/agreement.pdf",                "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps02}/agreement.pdf",                "ok ok no no ok no no ok no ok no no ok ok no"),
    ("/cases/{ps01_confirmed}/confirmation.pdf",   "ok ok ok ok no ok ok no no ok no no ok ok no"),
    ("/cases/{ps01_confirmed}/court-package.pdf",  "ok ok ok ok no ok ok no no ok no no ok ok no"),
    ("/cases/{ps01}/casefile.pdf",                 "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/casefile.zip",                 "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/forms/application.pdf",        "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/evidence",                     "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/evidence/{evidence}",          "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/evidence/custody.csv",         "ok ok ok ok no ok ok no no no no no ok ok no"),
    ("/cases/{ps01}/evidence/{evidence}/thumbnail","ok ok ok ok no ok ok no no no no no ok ok no"),
    # The justice bureau's liaison meeting: its organiser's people and the invited agencies' people.
    ("/meetings/{meeting}",                        "ok ok no no no no no no ok no no ok ok ok no"),
    ("/meetings/{meeting}.ics",                    "ok ok no no no no no no ok no no ok ok ok no"),
    # Cases proposed for its agenda: only those who run it (manage_meetings in the organiser's scope).
    ("/api/v1/meetings/{meeting}/proposed-cases",  "ok no no no no no no no no no no ok no no no"),
    ("/api/v1/meetings/{meeting}/minutes",         "ok ok no no no no no no ok no no ok ok ok no"),
    ("/meetings/{meeting}/minutes.pdf",            "ok ok no no no no no no ok no no ok ok ok no"),
    # A video session: the mediating room's people and those above it, and its own mediator.
    ("/mediations/{session}",                      "ok no no no no no no ok no no no no ok no no"),
    ("/api/v1/mediations/{session}",               "ok no no no no no no ok no no no no ok no no"),
    ("/mediations/{session}/minutes",              "ok no no no no no no ok no no no no ok no no"),
    ("/mediations/{session}/minutes.pdf",          "ok no no no no no no ok no no no no ok no no"),
    # Recordings: main-room tracks to those who may run the session (a supervisor only watches);
    # a caucus track to the mediator who held it and the platform operator.
    ("/mediations/{session}/recordings/{main}",    "ok no no no no no no ok no no no no no no no"),
    ("/mediations/{session}/recordings/{caucus}",  "ok no no no no no no ok no no no no no no no"),
]
# fmt: on

PAUSE = {"first_day": "2026-12-01", "last_day": "2026-12-02", "reason": "医疗损害鉴定"}

# fmt: off
WRITES: list[tuple[str, str]] = [
    # method and route                                        ad pa sa p1 p2 r1 m1 m4 jb ct sb se su ps gw
    # A case's parties: those who work on the case (the station that took it in, the room it went
    # to), not the admins and supervisors above them, who see it. Its pauses: the receiving room.
    ("PATCH /api/v1/cases/{ps01}/parties/{ps01_party}",       "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /cases/{ps01}/parties/{ps01_party}",               "ok no ok ok no ok ok no no no no no no no no"),
    ("POST /api/v1/cases/{ps01}/parties/{ps01_party}/consent","ok no ok ok no ok ok no no no no no no no no"),
    ("POST /api/v1/referrals/{ps01_referral}/pauses",         "ok no no no no ok ok no no no no no no no no"),
    ("POST /referrals/{ps01_referral}/pauses",                "ok no no no no ok ok no no no no no no no no"),
    # The justice bureau's meeting: those who run it; its invitees answer and comment.
    ("PATCH /api/v1/meetings/{meeting}",                      "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/decisions",             "ok no no no no no no no no no no ok no no no"),
    ("POST /meetings/{meeting}/decisions",                    "ok no no no no no no no no no no ok no no no"),
    ("POST /api/v1/meetings/{meeting}/rsvp",                  "ok ok no no no no no no ok no no ok ok ok no"),
    ("POST /api/v1/meetings/{meeting}/minutes/comments",      "ok ok no no no no no no ok no no ok ok ok no"),
    ("POST /meetings/{meeting}/minutes/preview",              "ok no no no no no no no no no no ok no no no"),
    # A video session: those who may run it (the mediating room's people, its mediator).
    ("POST /api/v1/mediations/{session}/reschedule",          "ok no no no no no no ok no no no no no no no"),
    ("POST /api/v1/mediations/{session}/participants",        "ok no no no no no no ok no no no no no no no"),
    # People: admins of an agency at or above theirs.
    ("PATCH /api/v1/users/{ps01_user}",                       "ok ok ok no no no no no no no no no no no no"),
    ("PATCH /api/v1/users/{ps02_user}",                       "ok ok no no no no no no no no no no no no no"),
]
# fmt: on

# What each write sends: JSON to the API, form fields (with the CSRF token) to a page.
BODIES: dict[str, dict[str, object]] = {
    "PATCH /api/v1/cases/{ps01}/parties/{ps01_party}": {"address": "青川区幸福路1号"},
    "POST /cases/{ps01}/parties/{ps01_party}": {"party_role": "applicant", "party_name": "矩阵"},
    "POST /api/v1/cases/{ps01}/parties/{ps01_party}/consent": {
        "consent": "given",
        "at": "2026-12-01T09:00:00+08:00",
        "method": "in_person",
    },
    "POST /api/v1/referrals/{ps01_referral}/pauses": PAUSE,
    "POST /referrals/{ps01_referral}/pauses": PAUSE,
    "PATCH /api/v1/meetings/{meeting}": {"place": "区司法局三楼会议室"},
    "POST /api/v1/meetings/{meeting}/decisions": {"text": "矩阵测试的决定"},
    "POST /meetings/{meeting}/decisions": {"text": "矩阵测试的决定"},
    "POST /api/v1/meetings/{meeting}/rsvp": {"answer": "accepted"},
    "POST /api/v1/meetings/{meeting}/minutes/comments": {"text": "矩阵测试的意见"},
    "POST /meetings/{meeting}/minutes/preview": {"text": "矩阵"},
    "POST /api/v1/mediations/{session}/reschedule": {"start": "2026-12-20T09:00:00+08:00"},
    "POST /api/v1/mediations/{session}/participants": {"role": "observer", "name": "观察员"},
    "PATCH /api/v1/users/{ps01_user}": {"locale": "zh_CN"},
    "PATCH /api/v1/users/{ps02_user}": {"locale": "zh_CN"},
}


def _expected(cells: str) -> dict[str, str]:
    values = cells.split()
    assert len(values) == len(PEOPLE), cells
    return dict(zip(PEOPLE, values, strict=True))


async def _objects(db: Database) -> dict[str, int]:
    async with db.read() as s:
        codes = dict((await s.execute(select(Agency.id, Agency.code))).all())
        rows = (
            await s.execute(
                select(Agreement.case_id, Case.created_agency_id, Agreement.court_agency_id)
                .join(Case, Case.id == Agreement.case_id)
                .order_by(Agreement.id)
            )
        ).all()
        meeting = await s.scalar(select(Meeting.id).where(Meeting.status == "held").order_by(Meeting.id))
        session = await s.scalar(select(MediationSession.id).order_by(MediationSession.id))
        users = dict((await s.execute(select(User.username, User.id))).all())
        of = {(codes[agency], court is not None): case for case, agency, court in reversed(rows)}
        party = await s.scalar(
            select(Party.id).where(Party.case_id == of[("PS01", False)]).order_by(Party.id)
        )
        referral = await s.scalar(
            select(Referral.id).where(Referral.case_id == of[("PS01", False)]).order_by(Referral.id.desc())
        )
    assert meeting is not None and session is not None and party is not None and referral is not None
    return {
        "ps01": of[("PS01", False)],
        "ps01_party": party,
        "ps01_referral": referral,
        "ps01_confirmed": of[("PS01", True)],
        "ps02": of[("PS02", True)],
        "meeting": meeting,
        "session": session,
        "ps01_user": users["liaison_ps01"],
        "ps02_user": users["liaison_ps02"],
    }


async def _evidence(client: TestClient, case_id: int) -> int:
    person = await Person.login(client, "liaison_ps01")
    data = FormData()
    data.add_field("description", "现场照片")
    data.add_field("file", io.BytesIO(photo_png()), filename="scene.png", content_type="image/png")
    response = await client.post(
        f"/api/v1/cases/{case_id}/evidence", data=data, headers={"X-CSRF-Token": person.csrf}
    )
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def _recordings(db: Database, data_dir: Path, session_id: int) -> dict[str, int]:
    """Two tracks of the session's mediator: one in the main room, one in a private caucus."""
    now = utcnow()
    ids: dict[str, int] = {}
    async with db.write() as s:
        session = await s.get(MediationSession, session_id)
        assert session is not None
        mediator = Participant(
            session_id=session_id, role="mediator", display_name="调解员", user_id=session.mediator_id
        )
        s.add(mediator)
        await s.flush()
        for key, room in (("main", "main"), ("caucus", "caucus-1")):
            relative = f"recordings/matrix-{room}.webm"
            (data_dir / "recordings").mkdir(parents=True, exist_ok=True)
            (data_dir / relative).write_bytes(b"\x1a\x45\xdf\xa3 track")
            row = Recording(
                session_id=session_id,
                participant_id=mediator.id,
                room=room,
                path=relative,
                started_at=now,
                ended_at=now,
                duration_seconds=1.0,
                sha256="0" * 64,
                size=10,
            )
            s.add(row)
            await s.flush()
            ids[key] = row.id
    return ids


async def _sessions(client: TestClient) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Log each person in once; keep their cookies and CSRF tokens."""
    jars: dict[str, dict[str, str]] = {}
    tokens: dict[str, str] = {}
    for username in PEOPLE:
        tokens[username] = (await Person.login(client, username)).csrf
        cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
        jars[username] = {name: morsel.value for name, morsel in cookies.items()}
    client.session.cookie_jar.clear()
    return jars, tokens


async def _status(browser: ClientSession, path: str) -> int:
    async with browser.get(path, allow_redirects=False) as response:
        await response.read()
        return response.status


def _verdict(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    if status in (403, 404):
        return "no"
    return str(status)


async def _write(browser: ClientSession, csrf: str, route: str, objects: dict[str, int]) -> int:
    """Send one write of ``WRITES`` as this person: JSON to the API, a form to a page."""
    method, path = route.split(" ", 1)
    body = BODIES[route]
    if path.startswith("/api/"):
        sent: dict[str, object] = {"json": body, "headers": {"X-CSRF-Token": csrf}}
    else:
        sent = {"data": {**body, "_csrf": csrf}}
    async with browser.request(method, path.format(**objects), allow_redirects=False, **sent) as response:
        await response.read()
        return response.status


def _write_verdict(status: int) -> str:
    """Refused (403, 404) or let through to the domain's own rules (anything else but a 5xx)."""
    if status in (403, 404):
        return "no"
    return "ok" if status < 500 else str(status)


async def _tables(db: Database) -> dict[str, str]:
    """Each table's rows, hashed: what a refused write must leave as it was."""
    found: dict[str, str] = {}
    async with db.read() as s:
        names = (await s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).scalars()
        for name in list(names):
            rows = (await s.execute(text(f'SELECT * FROM "{name}"'))).all()
            found[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return found


async def test_every_cell_of_the_matrix(client: TestClient, db: Database, config: Config) -> None:
    objects = await _objects(db)
    objects["evidence"] = await _evidence(client, objects["ps01"])
    objects.update(await _recordings(db, config.data_dir, objects["session"]))
    jars, tokens = await _sessions(client)
    base = str(client.make_url("/"))
    browsers = {name: ClientSession(base_url=base, cookies=jar) for name, jar in jars.items()}
    wrong: list[str] = []
    seen: list[str] = []
    try:
        for route, cells in MATRIX:
            path = route.format(**objects)
            expected = _expected(cells)
            statuses = await asyncio.gather(*(_status(browsers[name], path) for name in PEOPLE))
            row = [_verdict(status) for status in statuses]
            for name, status, got in zip(PEOPLE, statuses, row, strict=True):
                if got != expected[name]:
                    wrong.append(f"{route} as {name}: expected {expected[name]}, got {status}")
            seen.append(f"{route:45} {' '.join(row)}")
        wrong += await _writes(db, browsers, tokens, objects)
    finally:
        for browser in browsers.values():
            await browser.close()
    header = f"{'':45} {' '.join(COLUMNS)}"
    assert not wrong, "\n".join([*wrong, "", header, *seen])


async def _writes(
    db: Database, browsers: dict[str, ClientSession], tokens: dict[str, str], objects: dict[str, int]
) -> list[str]:
    """Every refused write first, the database compared around them all; then the allowed ones."""
    wrong: list[str] = []
    got: dict[tuple[str, str], int] = {}
    before = await _tables(db)
    for verdict in ("no", "ok"):
        for route, cells in WRITES:
            people = [name for name, cell in _expected(cells).items() if cell == verdict]
            statuses = await asyncio.gather(
                *(_write(browsers[name], tokens[name], route, objects) for name in people)
            )
            got.update({(route, name): status for name, status in zip(people, statuses, strict=True)})
        if verdict == "no":
            after = await _tables(db)
            changed = sorted(name for name in before if after.get(name) != before[name])
            if changed:
                wrong.append(f"refused writes changed the tables {changed}")
    seen = []
    for route, cells in WRITES:
        row = [_write_verdict(got[route, name]) for name in PEOPLE]
        for name, want, verdict in zip(PEOPLE, _expected(cells).values(), row, strict=True):
            if verdict != want:
                wrong.append(f"{route} as {name}: expected {want}, got {got[route, name]}")
        seen.append(f"{route:56} {' '.join(row)}")
    if wrong:
        wrong += ["", f"{'':56} {' '.join(COLUMNS)}", *seen]
    return wrong
