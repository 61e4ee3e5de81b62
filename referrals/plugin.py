"""Referrals plugs into the hub here: models, routes, the deadline sweep, demo data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from hub.events import Outbox
from hub.i18n import N_
from hub.keys import CONFIG, DB
from hub.models import AgencyKind
from hub.orm import utcnow
from hub.plugins import NavItem, Panel, Plugin
from hub.routing import Ctx
from hub.tasks import every
from hub.workdays.keys import CALENDAR
from referrals import case_index, codes, permissions

assert case_index  # imported for its flush hook, which keeps the case list's tables in step

# The top-level agencies, whose administrators set the district's routing (check_district_admin).
DISTRICT_LEVEL = frozenset({AgencyKind.police_bureau, AgencyKind.justice_bureau})

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0


@dataclass
class SweepMark:
    """When this process's last sweep ran through: the next looks only at what changed since."""

    at: datetime | None = None


LAST_SWEEP = web.AppKey("referrals.last_sweep", SweepMark)


def setup(app: web.Application) -> None:
    app[LAST_SWEEP] = SweepMark()
    app.cleanup_ctx.append(every(SWEEP_SECONDS, _sweep, name="referrals-sweep", leader=True))


async def _sweep(app: web.Application, outbox: Outbox) -> None:
    """Deadlines (expiry, escalation, overdue mediations) and early warnings, every minute, by
    one process at a time; each run from where this process's last one got to."""
    from referrals import sweeps

    calendar = await app[CALENDAR].get(app[DB])
    now, mark = utcnow(), app[LAST_SWEEP]
    done = await sweeps.run_all(
        app[DB], now, outbox, zone=app[CONFIG].time_zone, calendar=calendar, since=mark.at
    )
    mark.at = now  # not reached when the run failed: the next one looks from the last good one
    if any(done.values()):
        logger.info("deadline sweep", extra=done)


async def demo(ctx):  # type: ignore[no-untyped-def]
    from referrals.demo import load

    await load(ctx)


async def dashboard(ctx: Ctx) -> list[Panel]:
    from referrals.cases import panels
    from referrals.court import panels as court_panels
    from referrals.grid import panels as grid_panels
    from referrals.reports import panels as report_panels

    return [
        *await panels.panels(ctx),
        *await court_panels.panels(ctx),
        *await report_panels.panels(ctx),
        *await grid_panels.panels(ctx),
    ]


plugin = Plugin(
    name="referrals",
    package="referrals",
    models="referrals.models",
    permissions=permissions.POLICY,
    labels=codes.LABELS,
    routes=(
        "referrals.cases.api",
        "referrals.cases.referral_api",
        "referrals.cases.pages",
        "referrals.parties.routes",
        "referrals.pauses.routes",
        "referrals.agreements.api",
        "referrals.agreements.pages",
        "referrals.court.api",
        "referrals.court.pages",
        "referrals.committees.routes",
        "referrals.evidence.routes",
        "referrals.casefile.api",
        "referrals.casefile.pages",
        "referrals.reports.routes",
        "referrals.reports.api",
        "referrals.reports.pages",
        "referrals.stats.routes",
        "referrals.assessment.api",
        "referrals.assessment.pages",
        "referrals.routing.pages",
        "referrals.grid.pages",
    ),
    setup=setup,
    demo=demo,
    dashboard=dashboard,
    nav=(
        NavItem("/cases", N_("Cases"), "view_cases"),
        NavItem("/cases/new", N_("New case"), "take_in"),
        NavItem("/grid/new", N_("Report from the grid"), "report_from_grid", by_role=True),
        NavItem("/grid", N_("My grid"), "report_from_grid", by_role=True),
        NavItem("/grid/daily", N_("Daily report"), "report_from_grid", by_role=True),
        NavItem("/referrals", N_("Referral queue"), "view_cases"),
        NavItem("/reports", N_("Reports"), "file_reports"),
        NavItem("/warnings", N_("Early warnings"), "acknowledge_warnings"),
        NavItem("/stats", N_("Statistics"), "view_cases"),
        NavItem("/assessment", N_("Assessment"), "view_cases"),
        NavItem("/admin/rules", N_("Routing rules"), "manage_rules", DISTRICT_LEVEL),
        NavItem("/admin/committees", N_("Mediation committees"), "manage_rules", DISTRICT_LEVEL),
    ),
    order=10,
)
