"""The court's card on the dashboard: applications for judicial confirmation waiting for the court,
with the clocks near or past their last day, for the court and for the rooms that applied."""

from __future__ import annotations

from sqlalchemy import select

from hub.plugins import Panel
from hub.routing import Ctx
from referrals.court.steps import court_sides
from referrals.court.views import application_out, today
from referrals.models import Case, CourtApplication, Referral
from referrals.visibility import visible

SHOW = 5


async def panels(ctx: Ctx) -> list[Panel]:
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        rows = (
            await s.execute(
                select(CourtApplication, Case, Referral)
                .join(Case, Case.id == CourtApplication.case_id)
                .join(Referral, Referral.id == CourtApplication.referral_id)
                .where(visible(scope), CourtApplication.outcome == "")
                .order_by(CourtApplication.id)
            )
        ).all()
        items = [
            await application_out(
                s, ctx, app, case, referral, court_sides(app, scope.agency_ids, ctx.user.agency_id)
            )
            for app, case, referral in rows
        ]
    if not items:
        return []
    court = any(i.steps for i in items) or any(
        app.court_agency_id in (scope.agency_ids or ()) for app, _c, _r in rows
    )
    warned = sorted(
        (i for i in items if i.clock and i.clock.status != "ok"),
        key=lambda i: i.clock.days_left if i.clock else 0,
    )
    context = {"count": len(items), "warned": warned[:SHOW], "court": court, "today": today(ctx)}
    return [Panel("referrals/panel_court.html", context, order=6)]
