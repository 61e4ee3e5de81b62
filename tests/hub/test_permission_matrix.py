"""The permission matrix: who may open what, one cell per (route, person), against a running app.

Read the table as: the route, then for each demo person (one per role and agency kind) whether the
page or document opens ("ok", any 2xx) or is refused ("no": 403, or 404 where the object is hidden
from them). One allowed person fetches each; the others ask as a browser that kept its copy
(``If-None-Match: *``), so a document is not rendered fifteen times: 304, given only once the
permission check passed, is "ok" too. Objects come from the demo district at test start:

- ``{ps01}``: a case taken in by police station PS01, mediated by its room SR01, with an agreement
  (``{ps01_confirmed}``: another PS01 case whose agreement went to court for confirmation);
- ``{ps02}``: a case of station PS02 with an agreement, mediated by SR02;
- ``{evidence}``: a photo the PS01 liaison uploads to ``{ps01}`` at test start;
- ``{meeting}``: a held liaison meeting of the justice bureau (``{meeting}.ics`` is its calendar entry);
- ``{session}``: the demo's video mediation session (a PS02 case in SR02, mediator04).

The second table, ``WRITES`` (``tests.hub.permission_matrix_writes``, with the objects it works
on), holds every route that changes something: the API's POST, PUT, PATCH and DELETE and the
pages' form posts, each with a body that would do its work; a new one fails
``test_every_write_route_has_a_row_or_a_reason`` until it has its row. A "no" cell must be
refused (403 or 404) and leave the database as it was: every refused request of the table is sent
first, and every table's rows are compared before and after. Then the "ok" cells are sent: any
answer but 403, 404 or a 5xx (a 409 for a step already taken by the person before, or a 422 for a
state the object is not in, is an allowed person meeting the rules of the domain, not the
permission).

Change a cell when the product's rule changes (docs/architecture.md and each package's
``permissions.py``); a cell the app disagrees with is a bug in the app.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from hub.app import create_app
from hub.config import Config
from hub.db import Database
from hub.routing import ENDPOINTS
from referrals.evidence.demo import photo_png
from tests.hub.permission_matrix_objects import evidence, fresh, made, objects_of, recordings
from tests.hub.permission_matrix_writes import BODIES, NOT_IN_MATRIX, WRITES
from tests.referrals.helpers import Person

pytestmark = pytest.mark.slow
# Objects a write consumes: every allowed person gets one of their own (tests.hub.permission_matrix_writes).
FRESH = ("fresh_token", "fresh_webhook", "fresh_sensitive")
DUMP = os.environ.get("GONGTIAO_MATRIX_DUMP", "")  # a file to write every write's statuses to


@pytest.fixture(autouse=True)
def _no_sweeps_during_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """The minute's sweeps (deadlines, warnings) would change the tables while the refused writes
    are compared around: here they wait an hour. (Before ``client`` builds the app.)"""
    monkeypatch.setattr("referrals.plugin.SWEEP_SECONDS", 3600.0)
    monkeypatch.setattr("meetings.plugin.SWEEP_SECONDS", 3600.0)


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


async def _status(browser: ClientSession, path: str, *, kept: bool) -> int:
    """``kept``: as a browser that has its copy already (``If-None-Match: *``): a document is
    answered 304 once the permission check passed, without being rendered again."""
    headers = {"If-None-Match": "*"} if kept else {}
    async with browser.get(path, allow_redirects=False, headers=headers) as response:
        await response.read()
        return response.status


def _verdict(status: int) -> str:
    if 200 <= status < 300 or status == 304:
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
    sent: dict[str, Any]
    if path.endswith("/evidence") or path == "/grid/new":
        data = FormData({key: str(item) for key, item in body.items()} | ({} if api else {"_csrf": csrf}))
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
    objects = await objects_of(db)
    objects["evidence"] = await evidence(client, objects["ps01"])
    objects.update(await recordings(db, config.data_dir, objects["session"]))
    objects.update(await made(db, objects))
    jars, tokens = await _sessions(client)
    base = str(client.make_url("/"))
    browsers = {name: ClientSession(base_url=base, cookies=jar) for name, jar in jars.items()}
    wrong: list[str] = []
    seen: list[str] = []
    try:
        for route, cells in MATRIX:
            path = route.format(**objects)
            expected = _expected(cells)
            # One allowed person fetches the page or document; the others ask as if they kept it.
            first = next((name for name in PEOPLE if expected[name] == "ok"), None)
            statuses = await asyncio.gather(
                *(_status(browsers[name], path, kept=name != first) for name in PEOPLE)
            )
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
        objects[name] = await fresh(db, name, objects)
    before = await _tables(db)
    for verdict in ("no", "ok"):
        for route, cells in WRITES:
            people = [name for name, cell in _expected(cells).items() if cell == verdict]
            consumed = [name for name in FRESH if f"{{{name}}}" in route]
            if verdict == "ok" and consumed:
                for person in people:
                    mine = {**objects, **{name: await fresh(db, name, objects) for name in consumed}}
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
