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
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from hub import audit
from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.directory import AgencyInput, UserInput, create_agency, create_token, create_user
from hub.early_warnings import EarlyWarning
from hub.models import Agency, User
from hub.orm import utcnow
from hub.outbound.models import AgencyWebhook, OutboundMessage
from hub.outbound.webhooks import create_webhook
from hub.routing import ENDPOINTS
from meetings.models import ActionItem, AgendaItem, CalendarFeedToken, Invitee, Meeting
from referrals.evidence.demo import photo_png
from referrals.models import (
    Agreement,
    Case,
    FollowUp,
    MediationCommittee,
    Party,
    Referral,
    SensitivePeriod,
)
from rtc.models import MediationSession, Participant, Recording
from tests.hub.permission_matrix_writes import BODIES, NOT_IN_MATRIX, WRITES
from tests.referrals.helpers import Person

pytestmark = pytest.mark.slow
# Objects a write consumes: every allowed person gets one of their own (tests.hub.permission_matrix_writes).
FRESH = ("fresh_token", "fresh_webhook", "fresh_sensitive")
DUMP = os.environ.get("GONGTIAO_MATRIX_DUMP", "")  # a file to write every write's statuses to

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


def _expected(cells: str) -> dict[str, str]:
    values = cells.split()
    assert len(values) == len(PEOPLE), cells
    return dict(zip(PEOPLE, values, strict=True))


def _case_of(rows: list[tuple[int, int, str, str, int]], station: str, state: str) -> tuple[int, int]:
    """The first case taken in by ``station`` whose current referral is in ``state``: (case, referral)."""
    return next(
        (case, referral) for case, referral, code, found, _ in rows if code == station and found == state
    )


async def _objects(db: Database) -> dict[str, int]:
    async with db.read() as s:
        codes = dict((await s.execute(select(Agency.id, Agency.code))).all())
        ids = {code: agency for agency, code in codes.items()}
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
        current = (
            await s.execute(
                select(Case.id, Referral.id, Agency.code, Referral.state, Referral.to_agency_id)
                .join(Referral, Referral.case_id == Case.id)
                .join(Agency, Agency.id == Case.created_agency_id)
                .order_by(Case.id, Referral.id.desc())
            )
        ).all()
        latest = list({row[0]: tuple(row) for row in reversed(current)}.values())
        latest.sort()
        sent = _case_of(latest, "PS01", "sent")
        accepted = _case_of(latest, "PS01", "accepted")
        mediating = next(
            (c, r)
            for c, r, code, state, to in latest
            if code == "PS01" and state == "in_mediation" and codes[to] == "SR01"
        )
        unsent = await s.scalar(
            select(Case.id)
            .where(Case.created_agency_id == ids["PS02"], ~Case.id.in_(select(Referral.case_id)))
            .order_by(Case.id)
        )
        followup = await s.scalar(
            select(FollowUp.id)
            .where(FollowUp.case_id == of[("PS01", False)], FollowUp.done_at.is_(None))
            .order_by(FollowUp.id)
        )
        mediating_party = await s.scalar(
            select(Party.id).where(Party.case_id == mediating[0]).order_by(Party.id)
        )
        warning = await s.scalar(
            select(EarlyWarning.id).where(EarlyWarning.agency_id == ids["PS01"]).order_by(EarlyWarning.id)
        )
        committee = await s.scalar(select(MediationCommittee.id).order_by(MediationCommittee.id))
        series = await s.scalar(select(Meeting.series_id).where(Meeting.id == meeting))
        invitee = await s.scalar(select(Invitee.id).where(Invitee.meeting_id == meeting).order_by(Invitee.id))
        item = await s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting).order_by(AgendaItem.id)
        )
    assert meeting is not None and session is not None and party is not None and referral is not None
    found = {
        "ps01": of[("PS01", False)],
        "ps01_party": party,
        "ps01_referral": referral,
        "ps01_confirmed": of[("PS01", True)],
        "ps02": of[("PS02", True)],
        "ps01_sent_referral": sent[1],
        "ps01_accepted_referral": accepted[1],
        "ps01_mediating": mediating[0],
        "ps01_mediating_referral": mediating[1],
        "ps01_mediating_party": mediating_party,
        "ps01_applied": _case_of(latest, "PS01", "confirmation_applied")[0],
        "ps01_at_court": _case_of(latest, "PS01", "confirmation_accepted")[0],
        "ps01_correcting": _case_of(latest, "PS01", "correction_requested")[0],
        "ps02_refused": _case_of(latest, "PS02", "confirmation_refused")[0],
        "ps02_unsent": unsent,
        "ps01_followup": followup,
        "warning": warning,
        "committee": committee,
        "ps01_agency": ids["PS01"],
        "ps02_agency": ids["PS02"],
        "mc_agency": ids["MC-T01V01"],
        "meeting": meeting,
        "series": series,
        "invitee": invitee,
        "item": item,
        "session": session,
        "ps01_user": users["liaison_ps01"],
        "ps02_user": users["liaison_ps02"],
        "mediator01": users["mediator01"],
        "admin": users["admin"],
        "ps01_admin": users["station_admin_ps01"],
    }
    missing = sorted(name for name, value in found.items() if value is None)
    assert not missing, missing
    return found


async def _made(db: Database, objects: dict[str, int]) -> dict[str, int]:
    """What the demo lacks: a police post under PS01 (``{ps01_post}``) and a clerk of PS01
    (``{ps01_clerk}``) to change, PS01's webhook, an undelivered message, a calendar feed, an
    action owned by liaison_ps01, a guest of the video session, and an ended copy of that session
    (``{ended}``) with a party (``{party}``), whose minutes can be drafted."""
    async with db.write() as s:
        actor = audit.Actor(objects["admin"], objects["ps01_agency"])
        post = await create_agency(
            s, actor, AgencyInput("PS01-P", "矩阵警务室", "police_station", parent_id=objects["ps01_agency"])
        )
        clerk = await create_user(
            s, actor, UserInput("matrix_clerk", "矩阵文员", objects["ps01_agency"], ("liaison",), "x")
        )
        _secret, hook = await create_webhook(s, actor, objects["ps01_agency"], "https://example.invalid/1")
        session = await s.get(MediationSession, objects["session"])
        assert session is not None
        party = await s.scalar(select(Party.id).where(Party.case_id == session.case_id).order_by(Party.id))
        ended = MediationSession(
            case_id=session.case_id,
            referral_id=session.referral_id,
            agency_id=session.agency_id,
            mediator_id=session.mediator_id,
            status="ended",
            started_at=utcnow(),
            ended_at=utcnow(),
        )
        rows: dict[str, Any] = {
            "outbound": OutboundMessage(
                uid="matrix",
                channel="sms",
                target="13800000000",
                agency_id=objects["ps01_agency"],
                template="matrix",
                dedupe_key="matrix",
                state="dead",
            ),
            "feed": CalendarFeedToken(
                token_hash="0" * 64, agency_id=objects["ps01_agency"], created_by_id=objects["ps01_admin"]
            ),
            "action": ActionItem(
                meeting_id=objects["meeting"],
                text="矩阵任务",
                owner_user_id=objects["ps01_user"],
                due=date(2027, 1, 1),
            ),
            "guest": Participant(session_id=objects["session"], role="interpreter", display_name="翻译"),
            "ended": ended,
        }
        s.add_all(rows.values())
        await s.flush()
        made = Participant(
            session_id=ended.id, role="party", display_name="当事人", party_id=party, joined_at=utcnow()
        )
        s.add(made)
        await s.flush()
        found = {name: row.id for name, row in rows.items()}
        return found | {"ps01_post": post.id, "ps01_clerk": clerk.id, "webhook": hook.id, "party": made.id}


async def _fresh(db: Database, name: str, objects: dict[str, int]) -> int:
    """One of ``{fresh_token}``, ``{fresh_webhook}``, ``{fresh_sensitive}``: a new object to consume."""
    async with db.write() as s:
        actor = audit.Actor(objects["admin"], objects["ps01_agency"])
        if name == "fresh_webhook":
            hook = await s.scalar(
                select(AgencyWebhook.id).where(AgencyWebhook.agency_id == objects["ps01_agency"])
            )
            if hook is not None:
                return int(hook)
            _secret, made = await create_webhook(
                s, actor, objects["ps01_agency"], "https://example.invalid/p"
            )
            return made.id
        if name == "fresh_token":
            user = await s.get(User, objects["ps01_user"])
            assert user is not None
            _token, token = await create_token(s, actor, user, "矩阵")
            return token.id
        period = SensitivePeriod(name="矩阵", first=date(2027, 2, 1), last=date(2027, 2, 2))
        s.add(period)
        await s.flush()
        return period.id


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


def _filled(value: object, objects: dict[str, int]) -> object:
    """A body with the objects' ids in its strings (a whole-placeholder string becomes the id)."""
    if isinstance(value, dict):
        return {key: _filled(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, objects) for item in value]
    if isinstance(value, str) and "{" in value:
        name = value.strip("{}")
        return objects[name] if value == f"{{{name}}}" else value.format(**objects)
    return value


async def _write(browser: ClientSession, csrf: str, route: str, objects: dict[str, int]) -> int:
    """Send one write of ``WRITES`` as this person: JSON to the API, a form to a page, a file where
    the route takes one."""
    method, path = route.split(" ", 1)
    body = _filled(BODIES[route], objects)
    assert isinstance(body, dict)
    api = path.startswith("/api/")
    sent: dict[str, object]
    if path.endswith("/evidence") or path == "/grid/new":
        data = FormData({**body, **({} if api else {"_csrf": csrf})})
        data.add_field("file", io.BytesIO(photo_png()), filename="scene.png", content_type="image/png")
        sent = {"data": data, "headers": {"X-CSRF-Token": csrf}}
    elif api:
        sent = {"json": body, "headers": {"X-CSRF-Token": csrf}}
    else:
        sent = {"data": {key: str(item) for key, item in body.items()} | {"_csrf": csrf}}
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
    objects.update(await _made(db, objects))
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
    """Every refused write first, the database compared around them all; then the allowed ones (one
    by one where each consumes a fresh object of its own)."""
    wrong: list[str] = []
    got: dict[tuple[str, str], int] = {}
    for name in FRESH:
        objects[name] = await _fresh(db, name, objects)
    before = await _tables(db)
    for verdict in ("no", "ok"):
        for route, cells in WRITES:
            people = [name for name, cell in _expected(cells).items() if cell == verdict]
            fresh = [name for name in FRESH if f"{{{name}}}" in route]
            if verdict == "ok" and fresh:
                for person in people:
                    mine = {**objects, **{name: await _fresh(db, name, objects) for name in fresh}}
                    got[route, person] = await _write(browsers[person], tokens[person], route, mine)
                continue
            statuses = await asyncio.gather(
                *(_write(browsers[name], tokens[name], route, objects) for name in people)
            )
            got.update({(route, name): status for name, status in zip(people, statuses, strict=True)})
        if verdict == "no":
            after = await _tables(db)
            # (audit_links: the chainer links the rows written before, in its own time)
            changed = sorted(n for n in before if after.get(n) != before[n] and n != "audit_links")
            if changed:
                wrong.append(f"refused writes changed the tables {changed}")
    seen = []
    for route, cells in WRITES:
        row = [_write_verdict(got[route, name]) for name in PEOPLE]
        for name, want, verdict in zip(PEOPLE, _expected(cells).values(), row, strict=True):
            if verdict != want:
                wrong.append(f"{route} as {name}: expected {want}, got {got[route, name]}")
        seen.append(f"{route:56} {' '.join(str(got[route, name]) for name in PEOPLE)}")
    if DUMP:
        Path(DUMP).write_text("\n".join(seen))
    if wrong:
        wrong += ["", f"{'':56} {' '.join(COLUMNS)}", *seen]
    return wrong


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")


def test_every_write_route_has_a_row_or_a_reason(config: Config) -> None:
    """A new route that changes something fails here until it has its row (or a reason it has none)."""
    app = create_app(config)
    writes = {
        (e.method, e.path)
        for e in app[ENDPOINTS]
        if e.permission is not None and e.method in ("POST", "PUT", "PATCH", "DELETE")
    }
    covered = set(NOT_IN_MATRIX)
    for route, _cells in WRITES:
        method, path = route.split(" ", 1)
        matches = [(m, p) for m, p in writes if m == method and _pattern(p).match(path)]
        assert matches, f"{route} is no route of the app"
        covered.add(min(matches, key=lambda found: found[1].count("{")))  # a literal beats a {placeholder}
    assert len(WRITES) == len({route for route, _ in WRITES}), "a route has two rows"
    assert sorted(writes - covered) == [], "write routes with no row in WRITES and not in NOT_IN_MATRIX"
    assert sorted(covered - writes) == []
