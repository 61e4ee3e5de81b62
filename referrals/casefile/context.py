"""What every paper of a case file is filled in from, read once in the caller's transaction: the
case, its current referral, the mediation organisation (调解组织) and the mediator, the parties as
the papers write them (``referrals.party_text``), the agreement, the follow-up visits, the parties'
acknowledgements of their rights and duties, and how the mediation ended.

The 调解组织 is the committee the receiving agency mediates for (``referrals.committees``), with
its seal line; the agreement's own committee when it was issued by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.models import Agency, User
from referrals.committees import Organisation, organisation_for
from referrals.models import (
    Agreement,
    Case,
    FollowUp,
    Party,
    Referral,
    ReferralEvent,
    RightsAcknowledgement,
)
from referrals.party_papers import agent_lines, identity_line
from referrals.routing.proposal import stationed_room_of
from referrals.visibility import latest_referral

# The parties' roles as the forms write them (official text, Chinese whoever asks).
ROLES = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
# How a party acknowledged the notice of rights and duties.
ACKNOWLEDGED_BY = {"signed": "书面签收", "read_aloud": "当面宣读", "online": "在线确认"}
ENDING_ACTIONS = ("fail", "withdraw")


async def organisation(s: AsyncSession, agency_id: int, committee_id: int | None) -> Organisation:
    """The 调解组织 every form names: the committee (人民调解委员会) the agency mediates for."""
    return await organisation_for(s, agency_id, committee_id)


@dataclass(frozen=True)
class PartyLine:
    """A party as the papers write it: role, name, the identity sentence, its agents' sentences."""

    id: int
    role: str
    name: str
    line: str
    agents: tuple[str, ...]
    consent: str
    consent_at: datetime | None

    @property
    def role_text(self) -> str:
        return ROLES.get(self.role, "当事人")


def party_line(p: Party, reveal: bool) -> PartyLine:
    return PartyLine(p.id, p.role, p.name, identity_line(p, reveal), agent_lines(p), p.consent, p.consent_at)


@dataclass
class FileFacts:
    """Everything the forms and the case file are filled in from."""

    case: Case
    referral: Referral | None
    agreement: Agreement | None
    parties: list[PartyLine]
    organisation: str
    seal_line: str
    sender: str
    mediator: str
    registered_by: str
    ended_reason: str
    ended_at: datetime | None
    zone: ZoneInfo
    reveal: bool
    followups: list[FollowUp] = field(default_factory=list)
    acknowledgements: dict[int, RightsAcknowledgement] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)  # user id -> name, for "recorded by"

    def day(self, at: datetime | None) -> date | None:
        return at.astimezone(self.zone).date() if at else None

    @property
    def accepted(self) -> bool:
        return self.referral is not None and self.referral.accepted_at is not None

    @property
    def names(self) -> str:
        return "、".join(p.name for p in self.parties)

    def person(self, user_id: int | None) -> str:
        return self.people.get(user_id or 0, "")


async def _event(s: AsyncSession, referral: Referral, actions: tuple[str, ...]) -> ReferralEvent | None:
    return await s.scalar(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id, ReferralEvent.action.in_(actions))
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    )


async def _mediating_agency(s: AsyncSession, case: Case, referral: Referral | None) -> int:
    """The receiving body; before any referral (a party refused at once), the stationed room of
    the station that took the case in, or that station when it has none."""
    if referral is not None:
        return referral.to_agency_id
    return await stationed_room_of(s, case.created_agency_id) or case.created_agency_id


async def gather(s: AsyncSession, case: Case, *, zone: ZoneInfo, reveal: bool) -> FileFacts:
    """Read what the papers need (the caller has checked that the case is visible)."""
    referral = await latest_referral(s, case.id)
    agreement = await s.scalar(
        select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id.desc()).limit(1)
    )
    followups = (
        await s.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.due_date))
    ).all()
    acks = (
        await s.scalars(select(RightsAcknowledgement).where(RightsAcknowledgement.case_id == case.id))
    ).all()
    accepted = await _event(s, referral, ("accept",)) if referral else None
    ended = await _event(s, referral, ENDING_ACTIONS) if referral else None
    user_ids = {a.recorded_by_id for a in acks} | {f.visited_by_id for f in followups}
    user_ids |= {referral.mediator_id if referral else None, accepted.actor_user_id if accepted else None}
    people = await directory.names(s, User, user_ids)
    sender = await s.get(Agency, referral.from_agency_id if referral else case.created_agency_id)
    org = await organisation(
        s, await _mediating_agency(s, case, referral), agreement.committee_id if agreement else None
    )
    return FileFacts(
        case=case,
        referral=referral,
        agreement=agreement,
        parties=[party_line(p, reveal) for p in case.parties],
        organisation=org.name,
        seal_line=org.seal_line,
        sender=sender.name if sender else "",
        mediator=people.get(referral.mediator_id or 0, "") if referral else "",
        registered_by=people.get(accepted.actor_user_id or 0, "") if accepted else "",
        ended_reason=ended.reason if ended else "",
        ended_at=ended.at if ended else None,
        zone=zone,
        reveal=reveal,
        followups=list(followups),
        acknowledgements={a.party_id: a for a in acks},
        people=people,
    )
