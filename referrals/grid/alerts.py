"""An urgent report from the grid reaches, at once, the police station of the place (its liaisons
and admins) and the supervisors above the committee, the receiving body and the station: in
their inbox, by SMS or e-mail as each chose (``hub.outbound``), and as a critical early warning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.directory import overseers
from hub.early_warnings import raise_warning
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, Role
from hub.notifications import notify, people_with_role
from hub.outbound.queue import notify_person
from referrals.agencies import police_stations_for
from referrals.models import Case
from referrals.routing.proposal import area_path

KIND = "urgent_risk"
TEMPLATE = "staff.urgent_risk"
TITLE = N_("Urgent report from the grid: case %(number)s, %(agency)s")


async def urgent(
    s: AsyncSession,
    outbox: Outbox,
    case: Case,
    *,
    reporter: Agency,
    receiver_id: int | None,
    base_url: str,
    now: datetime,
) -> list[int]:
    """Tell the station and the supervisors; returns who was told (user ids)."""
    stations = await police_stations_for(s, reporter.id, await area_path(s, case.area_id))
    station_people = await people_with_role(s, stations, Role.liaison, Role.admin)
    above = [reporter.id, *stations, *([receiver_id] if receiver_id else [])]
    people = sorted({*station_people, *await overseers(s, above, Role.supervisor)})
    link = f"/cases/{case.id}"
    await notify(s, outbox, people, f"case.{KIND}", TITLE, link, number=case.number, agency=reporter.name)
    params = {"agency": reporter.name[:24], "case_number": case.number, "link": base_url.rstrip("/") + link}
    for user_id in people:
        await notify_person(s, user_id, TEMPLATE, params, f"{KIND}:{case.id}:{user_id}", outbox=outbox)
    await raise_warning(
        s,
        key=f"{KIND}:case:{case.id}",
        kind=KIND,
        severity="critical",
        title=TITLE,
        agency_id=case.created_agency_id,
        case_id=case.id,
        area_id=case.area_id,
        link=link,
        now=now,
        number=case.number,
        agency=reporter.name,
    )
    return people
