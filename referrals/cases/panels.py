"""The referrals package's cards on the dashboard: the incoming queue for receiving bodies, cases
that came back for senders, a mediator's own open cases, the agreements' running clocks."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.models import Agency
from hub.orm import utcnow
from hub.plugins import Panel
from hub.routing import Ctx
from referrals import states
from referrals.agencies import RECEIVING_KINDS
from referrals.agreements import court
from referrals.cases import queue, views
from referrals.cases.views import DUE_SOON
from referrals.models import Case, Referral
from referrals.permissions import CasePermission

SHOW = 5


async def panels(ctx: Ctx) -> list[Panel]:
    principal = ctx.user
    now = utcnow()
    mine = principal.agency_id
    found: list[Panel] = []
    base = select(Referral, Case).join(Case, Case.id == Referral.case_id)
    async with ctx.db.read() as s:
        kind = await s.scalar(select(Agency.kind).where(Agency.id == mine))
        if kind in RECEIVING_KINDS and ctx.must.allows(CasePermission.act_on_referrals):
            stmt = queue.open_to(mine)
            rows = await queue.rows_of(s, queue.by_deadline(stmt), now, incoming=True)
            counted = await queue.tally(s, stmt, now)
            context = {
                "waiting": counted.waiting,
                "working": counted.working,
                "overdue": counted.overdue,
                "due_soon": sum(1 for r in rows if r.badge == DUE_SOON),
                "urgent": [r for r in rows if r.badge][:SHOW],
            }
            found.append(Panel("referrals/panel_queue.html", context, order=5))
        if ctx.must.allows(CasePermission.take_in):
            latest = select(func.max(Referral.id)).group_by(Referral.case_id)
            stmt = base.where(
                Referral.from_agency_id == mine,
                Referral.state.in_(list(states.RETURNED)),
                Referral.id.in_(latest),
            ).order_by(Referral.state_changed_at.desc())
            rows = await queue.rows_of(s, stmt, now, incoming=False)
            found.append(
                Panel("referrals/panel_returned.html", {"count": len(rows), "rows": rows[:SHOW]}, order=6)
            )
        if principal.has_role("mediator"):
            stmt = base.where(
                Referral.mediator_id == principal.user_id, Referral.state.in_(list(views.WORKING))
            )
            rows = await queue.rows_of(s, queue.by_deadline(stmt), now, incoming=True)
            found.append(Panel("referrals/panel_assigned.html", {"rows": rows}, order=4))
        today = now.astimezone(ctx.config.zone).date()
        clocks = await court.running_clocks(s, ctx.must.scope, today, limit=SHOW)
        if clocks:
            found.append(Panel("referrals/panel_clocks.html", {"clocks": clocks}, order=7))
    return found
