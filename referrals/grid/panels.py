"""The grid worker's dashboard card: report from the grid, what is open in one's grids (urgent
ones counted apart), and whether the committee's daily report is filed."""

from __future__ import annotations

from hub.orm import utcnow
from hub.plugins import Panel
from hub.routing import Ctx
from referrals.grid import grids
from referrals.permissions import CasePermission
from referrals.reports import filing
from referrals.states import OPEN


async def panels(ctx: Ctx) -> list[Panel]:
    if not ctx.must.allows(CasePermission.report_from_grid):
        return []
    today = filing.local_day(utcnow(), ctx.config.zone)
    async with ctx.db.read() as s:
        mine = await grids.grids_of(s, ctx.user.user_id)
        found = await grids.items(s, [g.id for g in mine])
        filed = await filing.daily_report(s, ctx.user.agency_id, today)
    still_open = [i for i in found if i.state in ("", *OPEN)]
    urgent = [i for i in still_open if grids.pressing(i)]
    context = {"open": len(still_open), "urgent": len(urgent), "filed": filed is not None}
    return [Panel("referrals/panel_grid.html", context, order=5)]
