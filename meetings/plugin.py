"""Joint liaison meetings plug into the hub here: models, routes, the overdue-action sweep, the
dashboard card, menu entries and demo data."""

from __future__ import annotations

import logging

from aiohttp import web

from hub.demo_context import DemoContext
from hub.events import Outbox
from hub.i18n import N_
from hub.keys import DB
from hub.orm import utcnow
from hub.plugins import NavItem, Panel, Plugin
from hub.routing import Ctx
from hub.tasks import every
from meetings import codes, permissions

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 300.0


def setup(app: web.Application) -> None:
    from meetings import mail

    mail.setup(app)  # invitations by e-mail, when SMTP is configured
    app.cleanup_ctx.append(every(SWEEP_SECONDS, _sweep, name="meetings-sweep", leader=True))


async def _sweep(app: web.Application, outbox: Outbox) -> None:
    """Overdue actions raise their warnings, every few minutes."""
    from meetings.record import sweeps

    raised = await sweeps.warn_overdue_actions(app[DB], utcnow(), outbox)
    if raised:
        logger.info("overdue actions", extra={"warnings": raised})


async def demo(ctx: DemoContext) -> None:
    from meetings.demo import load

    await load(ctx)


async def dashboard(ctx: Ctx) -> list[Panel]:
    from meetings.panels import panels

    return await panels(ctx)


plugin = Plugin(
    name="meetings",
    package="meetings",
    models="meetings.models",
    permissions=permissions.POLICY,
    labels=codes.LABELS,
    # .ics before /meetings/{id} (the page would take "{id}.ics"); /meetings/actions before it too.
    routes=(
        "meetings.api",
        "meetings.record.api",
        "meetings.minutes.api",
        "meetings.calendars.routes",
        "meetings.record.pages",
        "meetings.minutes.pages",
        "meetings.pages",
    ),
    setup=setup,
    demo=demo,
    dashboard=dashboard,
    nav=(NavItem("/meetings", N_("Meetings"), "view_meetings"),),
    order=20,
)
