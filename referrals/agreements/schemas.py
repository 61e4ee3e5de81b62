"""JSON shapes of agreements, party confirmations, judicial confirmation and follow-up visits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from hub.schemas import Input, Output
from referrals.agreements.followups import Outcome
from referrals.agreements.terms import Kind, Method, infer_kind

LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e11"), decimal_places=2)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
    return value


AwareTime = Annotated[datetime, AfterValidator(_aware)]


Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class InstalmentIn(Input):
    due: date = Field(description="Paid by the end of this day (inclusive)")
    amount: Money


class TermIn(Input):
    kind: Kind | None = Field(
        default=None,
        description="payment, act, omission (不作为), apology, other; inferred from the text when omitted",
    )
    obligor_party_id: int = Field(description="The party who must do or pay (义务人)")
    obligee_party_id: int | None = Field(default=None, description="The party it is owed to (权利人)")
    description: Description = Field(
        description="payment: what is paid (赔偿款); act: the act (配合拆除橱柜); "
        "omission: what is not done; apology: the manner (当面), may be empty; other: the whole sentence"
    )
    amount: Money | None = Field(default=None, description="Yuan, when money is owed")
    due_date: date | None = Field(default=None, description="Performed by the end of this day (inclusive)")
    method: Method | Literal[""] = Field(default="", description="How a payment is made: transfer or cash")
    place: Place = Field(default="", description="Where it is performed (履行地点)")
    instalments: list[InstalmentIn] = Field(
        default_factory=list, max_length=60, description="A payment in instalments: each last day and amount"
    )

    @model_validator(mode="before")
    @classmethod
    def _apology_may_be_bare(cls, data: object) -> object:
        # An apology needs no manner: 赔礼道歉 stands for the description then.
        bare = isinstance(data, dict) and not str(data.get("description") or "").strip()
        if bare and isinstance(data, dict) and data.get("kind") == Kind.apology:
            return {**data, "description": "赔礼道歉"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TermIn:
        if self.kind is None:
            self.kind = infer_kind(self.description, self.amount, bool(self.instalments))
        if self.kind != Kind.payment:
            if self.amount is not None or self.instalments or self.method:
                raise ValueError("an amount, a payment method or instalments belong to a payment term")
            return self
        if self.amount is None and not self.instalments:
            raise ValueError("a payment needs its amount (or its instalments)")
        if self.instalments:
            days = [i.due for i in self.instalments]
            if len(set(days)) != len(days):
                raise ValueError("two instalments fall due on the same day")
            paid = sum((i.amount for i in self.instalments), Decimal(0))
            if self.amount is not None and paid != self.amount:
                raise ValueError(f"the instalments add up to {paid}, not {self.amount}")
            self.amount = paid
            self.due_date = max(days)
        return self


class AgreementIn(Input):
    facts: LongText = Field(default="", description="纠纷主要事实")
    issues: LongText = Field(default="", description="争议事项")
    liabilities: LongText = Field(default="", description="各方当事人的责任")
    terms: list[TermIn] = Field(default_factory=list, max_length=50)
    other_terms: LongText = ""
    copies: int | None = Field(
        default=None,
        ge=2,
        le=20,
        description="一式N份; one for each party and one for the committee when omitted",
    )
    recorder: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        default="", description="记录人"
    )
    effective_date: date | None = Field(
        default=None,
        description="Not typed: the agreement takes effect the day the last party confirms it. "
        "Refused (422 effective_date_not_typed) when given.",
    )


class InstalmentOut(Output):
    due: date
    amount: Decimal


class TermOut(Output):
    id: int
    position: int
    kind: str
    obligor_party_id: int
    obligee_party_id: int | None
    description: str
    amount: Decimal | None
    due_date: date | None
    method: str
    place: str
    instalments: list[InstalmentOut]
    sentence: str = Field(default="", description="The term as the agreement prints it")


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
    document_number: str = Field(description="〔2026〕青调字第12号: given at the first save, kept")
    organisation: str = Field(description="The mediation committee (调解组织) that issues it")
    seal_line: str
    facts: str
    issues: str
    liabilities: str
    other_terms: str
    copies: int
    recorder: str
    effective_date: date | None = Field(description="The day the last party confirmed (China time)")
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
