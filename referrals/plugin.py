"""Referrals plugs into the hub here: models, routes, the deadline sweep, demo data."""

from __future__ import annotations

import logging

from aiohttp import web

from hub.events import Outbox
from hub.i18n import N_
from hub.keys import CONFIG, DB
from hub.orm import utcnow
from hub.plugins import NavItem, Panel, Plugin
from hub.routing import Ctx
from hub.tasks import every
from referrals import codes, permissions

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(every(SWEEP_SECONDS, _sweep, name="referrals-sweep"))


async def _sweep(app: web.Application, outbox: Outbox) -> None:
    """Deadlines (expiry, escalation, overdue mediations) and early warnings, every minute."""
    from referrals import sweeps

    done = await sweeps.run_all(app[DB], utcnow(), outbox, zone=app[CONFIG].time_zone)
    if any(done.values()):
        logger.info("deadline sweep", extra=done)


async def demo(ctx):  # type: ignore[no-untyped-def]
    from referrals.demo import load

    await load(ctx)


async def dashboard(ctx: Ctx) -> list[Panel]:
    from referrals.cases import panels
    from referrals.reports import panels as report_panels

    return [*await panels.panels(ctx), *await report_panels.panels(ctx)]


plugin = Plugin(
    name="referrals",
    package="referrals",
    models="referrals.models",
    permissions=permissions.POLICY,
    labels=codes.LABELS,
    routes=(
        "referrals.cases.api",
        "referrals.cases.pages",
        "referrals.parties.routes",
        "referrals.pauses.routes",
        "referrals.agreements.api",
        "referrals.agreements.pages",
        "referrals.evidence.routes",
        "referrals.reports.api",
        "referrals.reports.pages",
        "referrals.stats.routes",
        "referrals.routing.pages",
    ),
    setup=setup,
    demo=demo,
    dashboard=dashboard,
    nav=(
        NavItem("/cases", N_("Cases"), "view_cases"),
        NavItem("/cases/new", N_("New case"), "take_in"),
        NavItem("/referrals", N_("Referral queue"), "view_cases"),
        NavItem("/reports", N_("Reports"), "file_reports"),
        NavItem("/warnings", N_("Early warnings"), "acknowledge_warnings"),
        NavItem("/stats", N_("Statistics"), "view_cases"),
        NavItem("/admin/rules", N_("Routing rules"), "manage_rules"),
    ),
    order=10,
)
