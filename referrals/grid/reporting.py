"""A grid worker reports a dispute or a hidden risk (网格员上报), in one transaction:

1. the case is taken in by the worker's committee through ``cases.intake`` (channel
   ``grid_report``, placed in the grid), with the consent the parties gave, or else on the
   committee's own initiative (People's Mediation Law art. 17: a committee may mediate unasked,
   unless a party refuses);
2. the report's own facts (kind, urgency, the phone's position) and the photos, recorded as
   evidence with their hashes and audit rows (``evidence.records.attach``);
3. the routing rules send it: to the village committee, the stationed room or a specialised
   body (``sending.send``); a report no rule can place stays with the committee, unsent;
4. an urgent report alerts the police station and the supervisors at once (``alerts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound
from hub.events import Outbox
from hub.models import Agency
from referrals import sending
from referrals.cases.intake import CaseInput, ConsentInput, PartyInput, take_in
from referrals.codes import Channel, ConsentMethod, PartyRole, Urgency
from referrals.errors import BadTarget, NoGrid, NoRouteFound
from referrals.evidence.records import Received, attach
from referrals.grid import alerts
from referrals.grid.forms import GridReportInput
from referrals.grid.grids import grids_of
from referrals.models import Case, GridReport, Referral


@dataclass(frozen=True)
class Reported:
    case: Case
    referral: Referral | None
    alerted: list[int]


def _parties(data: GridReportInput) -> tuple[PartyInput, ...]:
    return tuple(
        PartyInput(str(PartyRole.respondent if i else PartyRole.applicant), name, phone=phone)
        for i, (name, phone) in enumerate(data.parties)
    )


def _consent(data: GridReportInput, committee: Agency, now: datetime) -> ConsentInput:
    if data.consented:
        return ConsentInput("、".join(name for name, _ in data.parties), now, ConsentMethod.verbal_recorded)
    return ConsentInput(committee.name, now, ConsentMethod.initiative)


async def report(
    s: AsyncSession,
    actor: audit.Actor,
    data: GridReportInput,
    photos: Sequence[Received],
    *,
    now: datetime,
    outbox: Outbox,
    base_url: str,
    zone: str = "Asia/Shanghai",
) -> Reported:
    if actor.user_id is None or actor.agency_id is None:
        raise NoGrid()
    if data.grid_id not in {g.id for g in await grids_of(s, actor.user_id)}:
        raise NoGrid()
    committee = await s.get(Agency, actor.agency_id)
    if committee is None:
        raise NotFound()
    case = await take_in(
        s,
        actor,
        committee.id,
        CaseInput(
            channel=Channel.grid_report,
            category=data.category,
            summary=data.summary,
            parties=_parties(data),
            area_id=data.grid_id,
            address=data.address,
            flags=data.flags,
            consent=_consent(data, committee, now),
            idempotency_key=data.idempotency_key or None,
        ),
        now,
        outbox,
        zone=zone,
    )
    s.add(
        GridReport(
            case_id=case.id,
            kind=data.kind,
            urgency=data.urgency,
            grid_id=data.grid_id,
            latitude=data.latitude,
            longitude=data.longitude,
            accuracy_m=data.accuracy_m,
            reported_by_id=actor.user_id,
            reported_at=now,
        )
    )
    for photo in photos:
        await attach(s, actor, case, photo, None, outbox)
    await audit.record(
        s,
        actor,
        "grid.reported",
        "case",
        case.id,
        {"kind": data.kind, "urgency": data.urgency, "photos": len(photos)},
    )
    referral: Referral | None = None
    try:
        # Both refusals come before ``send`` writes anything.
        referral = await sending.send(s, actor, case, sender_agency_id=committee.id, now=now, outbox=outbox)
    except (NoRouteFound, BadTarget):
        referral = None  # the committee sends it by hand from the case page
    alerted: list[int] = []
    if data.urgency == Urgency.urgent:
        alerted = await alerts.urgent(
            s,
            outbox,
            case,
            reporter=committee,
            receiver_id=referral.to_agency_id if referral else None,
            base_url=base_url,
            now=now,
        )
    return Reported(case, referral, alerted)
