"""JSON shapes of agreements, party confirmations, judicial confirmation and follow-up visits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from hub.schemas import Input, Output
from referrals.agreements.followups import Outcome

LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e11"), decimal_places=2)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
    return value


AwareTime = Annotated[datetime, AfterValidator(_aware)]


class TermIn(Input):
    obligor_party_id: int = Field(description="The party who must do or pay (义务人)")
    obligee_party_id: int | None = Field(default=None, description="The party it is owed to (权利人)")
    description: Description = Field(description="What, e.g. 支付修车费 or 赔礼道歉")
    amount: Money | None = Field(default=None, description="Yuan, when money is owed")
    due_date: date | None = Field(default=None, description="Performed before the end of this day")


class AgreementIn(Input):
    facts: LongText = Field(default="", description="纠纷主要事实、争议事项")
    terms: list[TermIn] = Field(default_factory=list, max_length=50)
    other_terms: LongText = ""
    effective_date: date | None = None


class TermOut(Output):
    id: int
    position: int
    obligor_party_id: int
    obligee_party_id: int | None
    description: str
    amount: Decimal | None
    due_date: date | None


class AgreementPartyOut(Output):
    id: int
    role: str
    name: str
    id_number: str
    phone: str
    address: str
    confirmed_at: datetime | None = None
    method: str | None = None
    recorded_by: str | None = None


class ClockOut(Output):
    deadline: date = Field(description="Last day to apply for judicial confirmation")
    days_left: int = Field(description="0 on the last day, negative once it passed")
    expired: bool


class AgreementOut(Output):
    id: int
    case_id: int
    case_number: str
    referral_id: int
    referral_state: str
    facts: str
    other_terms: str
    effective_date: date | None
    terms: list[TermOut]
    parties: list[AgreementPartyOut]
    locked: bool = Field(description="Every party confirmed: no more changes")
    editable: bool = Field(description="Whether the caller may change it now")
    confirmation_clock: ClockOut | None
    court_agency_id: int | None
    confirmation_applied_at: datetime | None
    court_outcome: str
    court_decided_at: datetime | None
    court_reference: str


class PartyConfirmIn(Input):
    party_id: int
    method: Literal["online", "in_person"]
    confirmed_at: AwareTime | None = Field(default=None, description="When; now when omitted")


class ApplicationIn(Input):
    court_agency_id: int | None = Field(default=None, description="The court; the district's when omitted")
    applied_at: AwareTime | None = Field(
        default=None, description="When the parties applied; now when omitted"
    )


class FollowUpOut(Output):
    id: int
    case_id: int
    agreement_id: int
    term_id: int | None
    agency_id: int
    due_date: date
    done_at: datetime | None
    outcome: str
    notes: str
    visited_by_id: int | None
    overdue: bool = False


class VisitIn(Input):
    outcome: Outcome
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    visited_at: AwareTime | None = Field(default=None, description="When; now when omitted")
