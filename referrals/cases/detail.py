"""What the case page shows, read in one transaction: the case, its referral chain with each
referral's moves, deadlines and the forms the viewer's side may use, and (for the sender) the
proposed receiving body and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.errors import HubError
from hub.models import Agency, Area, User
from hub.outbound.contact import mask_email
from hub.permissions import Guard
from hub.plugins import case_links
from referrals import mediators, moves, states
from referrals.agencies import policy_for, receiving_agencies
from referrals.cases import views
from referrals.cases.views import Deadline, Offer, Why
from referrals.models import Case, Referral, ReferralEvent
from referrals.permissions import CasePermission
from referrals.routing import proposal
from referrals.visibility import mask_id_number, mask_phone


@dataclass(frozen=True)
class EventView:
    action: str
    from_state: str
    to_state: str
    who: str
    agency: str
    at: datetime
    reason: str
    data: dict[str, Any]


@dataclass
class ReferralView:
    ref: Referral
    from_name: str
    to_name: str
    sent_by: str
    mediator: str
    why: Why
    deadlines: list[Deadline]
    events: list[EventView] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    mediators: list[mediators.MediatorChoice] = field(default_factory=list)
    depth: int = 0
    position: int = 0  # 1, 2, ... in the case's chain
    parent_position: int | None = None


@dataclass(frozen=True)
class Proposal:
    target_id: int
    target_name: str
    why: Why


@dataclass
class CaseView:
    case: Case
    parties: list[dict[str, Any]]
    reveal: bool
    area_name: str
    agency_name: str
    creator: str
    referrals: list[ReferralView]
    may_send: bool
    proposal: Proposal | None = None
    proposal_error: str | None = None
    targets: list[Agency] = field(default_factory=list)
    may_edit_parties: bool = False
    links: list[views.Link] = field(default_factory=list)  # other packages' (hub.plugins.CaseLink)


def shown_parties(case: Case, reveal: bool) -> list[dict[str, Any]]:
    """Each party as the case page lists it: identities masked unless the viewer works the case."""
    return [
        {
            "id": p.id,
            "role": p.role,
            "kind": p.kind,
            "name": p.name,
            "id_type": p.id_type,
            "id_number": p.id_number if reveal else mask_id_number(p.id_number),
            "phone": p.phone if reveal else mask_phone(p.phone),
            "email": p.email if reveal else mask_email(p.email),
            "representative": " ".join(x for x in (p.representative_name, p.representative_title) if x),
            "agents": [a.name for a in p.agents],
            "consent": p.consent,
            "consent_at": p.consent_at,
            "consent_method": p.consent_method,
        }
        for p in case.parties
    ]


async def case_view(s: AsyncSession, guard: Guard, case: Case, now: datetime, *, reveal: bool) -> CaseView:
    principal = guard.principal
    referrals = list(
        (await s.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id))).all()
    )
    events = (
        await s.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id.in_([r.id for r in referrals]))
            .order_by(ReferralEvent.at, ReferralEvent.id)
        )
    ).all()
    people = await directory.names(
        s,
        User,
        [case.created_by_id]
        + [r.sent_by_id for r in referrals]
        + [r.mediator_id for r in referrals]
        + [e.actor_user_id for e in events],
    )
    agencies = await directory.names(
        s,
        Agency,
        [case.created_agency_id]
        + [a for r in referrals for a in (r.from_agency_id, r.to_agency_id)]
        + [e.actor_agency_id for e in events]
        + [e.data.get("to") for e in events],
    )
    area_ids = {case.area_id} if case.area_id else set()
    for r in referrals:
        area_ids |= views.area_ids(r.explanation)
    may_send = (
        guard.allows(CasePermission.take_in)
        and guard.scope.covers(case.created_agency_id)
        and states.may_send_again(referrals[-1].state if referrals else None)
    )
    proposal_decision = None
    proposal_error = None
    if may_send:
        try:
            proposal_decision = await proposal.propose(s, case, case.created_agency_id)
            area_ids |= views.area_ids(proposal_decision.explanation())
        except HubError as exc:
            proposal_error = exc.text()
    areas = await directory.names(s, Area, area_ids)
    may_act = guard.allows(CasePermission.act_on_referrals)
    targets = await receiving_agencies(s) if may_send or may_act else []

    chain: list[ReferralView] = []
    position: dict[int, int] = {}
    for r in referrals:
        policy = await policy_for(s, r.to_agency_id)
        parent = position.get(r.parent_id) if r.parent_id else None
        view = ReferralView(
            ref=r,
            from_name=agencies.get(r.from_agency_id, ""),
            to_name=agencies.get(r.to_agency_id, ""),
            sent_by=people.get(r.sent_by_id or 0, ""),
            mediator=people.get(r.mediator_id or 0, ""),
            why=views.why(r.explanation, areas),
            deadlines=views.deadline_rows(r.state, r.accept_due, r.mediation_due, now, policy),
            depth=chain[parent].depth + 1 if parent is not None else 0,
            position=len(chain) + 1,
            parent_position=parent + 1 if parent is not None else None,
        )
        view.events = [
            EventView(
                e.action,
                e.from_state,
                e.to_state,
                people.get(e.actor_user_id or 0, ""),
                agencies.get(e.actor_agency_id or 0, ""),
                e.at,
                e.reason,
                {**e.data, "to_name": agencies.get(e.data.get("to") or 0, "")},
            )
            for e in events
            if e.referral_id == r.id
        ]
        if may_act:
            sides = moves.side_of(r, guard.scope.agency_ids, principal.agency_id)
            view.offers = views.offers(r.state, sides)
            if any(o.action == views.ASSIGN for o in view.offers):
                view.mediators = await mediators.propose_mediators(s, r)
        position[r.id] = len(chain)
        chain.append(view)

    out = CaseView(
        case=case,
        parties=shown_parties(case, reveal),
        reveal=reveal,
        area_name=areas.get(case.area_id or 0, ""),
        agency_name=agencies.get(case.created_agency_id, ""),
        creator=people.get(case.created_by_id or 0, ""),
        referrals=chain,
        may_send=may_send,
        proposal_error=proposal_error,
        targets=[a for a in targets if a.id != case.created_agency_id],
        may_edit_parties=reveal and guard.allows(CasePermission.edit_parties),
    )
    if referrals:
        last = referrals[-1]
        out.links = views.links_for(guard, case.id, last.state, last.to_agency_id, case_links())
    if proposal_decision is not None:
        out.proposal = Proposal(
            proposal_decision.target_agency_id,
            await s.scalar(select(Agency.name).where(Agency.id == proposal_decision.target_agency_id)) or "",
            views.why(proposal_decision.explanation(), areas),
        )
    return out
