"""Dashboard cards about reports and warnings: today's report (filed, or a one-click zero report)
for those who file reports; open warnings and who has not reported yet for supervisors."""

from __future__ import annotations

from collections import Counter

from hub.early_warnings import open_warnings
from hub.models import Agency
from hub.orm import utcnow
from hub.plugins import Panel
from hub.routing import Ctx
from referrals.permissions import CasePermission
from referrals.reports import filing
from referrals.reports.views import schedule_for

SHOW_MISSING = 8


async def panels(ctx: Ctx) -> list[Panel]:
    principal = ctx.user
    zone = ctx.config.zone
    now = utcnow()
    today = filing.local_day(now, zone)
    schedule = await schedule_for(ctx)  # which days are due, at what hour
    found: list[Panel] = []
    async with ctx.db.read() as s:
        if ctx.must.allows(CasePermission.file_reports):
            mine = await filing.daily_report(s, principal.agency_id, today)
            agency = await s.get(Agency, principal.agency_id)
            found.append(
                Panel(
                    "referrals/panel_reports.html",
                    {
                        "day": today.isoformat(),
                        "must_report": agency is not None and agency.kind in filing.REPORTING_KINDS,
                        "due_today": filing.is_due_day(today, schedule),
                        "done": {"id": mine.id, "kind": mine.kind, "at": mine.submitted_at} if mine else None,
                        "due_at": filing.due_at(today, zone, schedule),
                        "past_due": filing.past_due(now, zone, schedule),
                    },
                    order=20,
                )
            )
        if ctx.must.allows(CasePermission.acknowledge_warnings):
            scope = ctx.must.scope.agency_ids
            warnings = await open_warnings(s, scope, limit=1000)
            missing = await filing.missing(s, scope, today, now, zone, schedule)
            found.append(
                Panel(
                    "referrals/panel_warnings.html",
                    {
                        "open": len(warnings),
                        "critical": sum(1 for w in warnings if w.severity == "critical"),
                        "by_kind": sorted(Counter(w.kind for w in warnings).items()),
                        "expected": missing.expected,
                        "missing": [a.name for a in missing.agencies[:SHOW_MISSING]],
                        "missing_count": len(missing.agencies),
                        "past_due": missing.past_due,
                    },
                    order=21,
                )
            )
    return found
