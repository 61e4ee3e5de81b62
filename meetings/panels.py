"""The meetings package's cards on the dashboard: the actions a person owns (by name or through
their agency), overdue ones marked, and their next meetings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from hub.orm import utcnow
from hub.plugins import Panel
from hub.routing import Ctx
from meetings.models import Invitee, Meeting
from meetings.record import proceedings
from meetings.timezones import to_local
from meetings.views import owner_names

SHOW = 6
AHEAD = timedelta(days=45)


async def panels(ctx: Ctx) -> list[Panel]:
    principal = ctx.user
    now = utcnow()
    today = to_local(now, ctx.config.time_zone).date()
    async with ctx.db.read() as s:
        actions = await proceedings.actions_of(s, principal.user_id, principal.agency_id)
        owners = await owner_names(s, actions)
        titles = dict(
            (
                await s.execute(
                    select(Meeting.id, Meeting.title).where(Meeting.id.in_({a.meeting_id for a in actions}))
                )
            ).all()
        )
        invited = select(Invitee.meeting_id).where(Invitee.user_id == principal.user_id)
        upcoming = (
            await s.scalars(
                select(Meeting)
                .where(
                    or_(
                        Meeting.id.in_(invited),
                        Meeting.secretary_id == principal.user_id,
                        Meeting.chair_id == principal.user_id,
                    ),
                    Meeting.status == "scheduled",
                    Meeting.end >= now,
                    Meeting.start < now + AHEAD,
                )
                .order_by(Meeting.start)
                .limit(SHOW)
            )
        ).all()
    found: list[Panel] = []
    if actions:
        rows = [
            {
                "id": a.id,
                "text": a.text,
                "due": a.due,
                "status": a.status,
                "owner": owners.get(a.id, ""),
                "meeting_id": a.meeting_id,
                "meeting": titles.get(a.meeting_id, ""),
                "overdue": a.due < today,
            }
            for a in actions
        ]
        context = {"rows": rows[:SHOW], "count": len(rows), "overdue": sum(a.due < today for a in actions)}
        found.append(Panel("meetings/panel_actions.html", context, order=8))
    if upcoming:
        found.append(Panel("meetings/panel_upcoming.html", {"meetings": list(upcoming)}, order=30))
    return found
