"""JSON shapes of the referrals API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from hub.schemas import Input, Output
from referrals.codes import Category, Channel, ConsentMethod, Flag, PartyRole
from referrals.states import Action

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PartyIn(Input):
    role: PartyRole
    name: Name
    id_number: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[0-9A-Za-z]*$")
    ] = ""
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[0-9+\- ]*$")
    ] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class ConsentIn(Input):
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Who consented, e.g. both parties' names"
    )
    at: datetime
    method: ConsentMethod

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
        return value


class CaseIn(Input):
    incident_no: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    channel: Channel
    category: Category
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    area_id: int | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    amount: Annotated[Decimal, Field(ge=0, le=Decimal("1e11"), decimal_places=2)] | None = None
    parties: list[PartyIn] = Field(min_length=1, max_length=200)
    flags: list[Flag] = Field(default_factory=list, max_length=4)
    consent: ConsentIn | None = None
    idempotency_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=80)] | None
    ) = None


class PartyOut(Output):
    id: int
    role: str
    name: str
    id_number: str
    phone: str
    address: str


class CaseOut(Output):
    id: int
    number: str
    incident_no: str
    channel: str
    category: str
    summary: str
    area_id: int | None
    address: str
    amount: Decimal | None
    flags: list[str]
    consent_by: str
    consent_at: datetime | None
    consent_method: str
    created_agency_id: int
    created_at: datetime
    parties: list[PartyOut]
    state: str | None = None
    referral_id: int | None = None


class CaseQuery(Input):
    state: str | None = None
    category: Category | None = None
    q: Annotated[str, StringConstraints(max_length=100)] | None = None
    area_id: int | None = None
    agency_id: int | None = None
    overdue: bool | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ConditionOut(Output):
    name: str
    expected: Any
    actual: Any


class ProposalOut(Output):
    target_agency_id: int
    target_agency_name: str
    rule_id: int
    rule_name: str
    fallback: bool
    conditions: list[ConditionOut]


class SendIn(Input):
    target_agency_id: int | None = None
    override_reason: Text = ""


class ReferralOut(Output):
    id: int
    case_id: int
    parent_id: int | None
    from_agency_id: int
    to_agency_id: int
    state: str
    explanation: dict[str, Any]
    override_reason: str
    sent_at: datetime
    accept_due: datetime
    accepted_at: datetime | None
    mediation_due: datetime | None
    extension_reason: str
    mediator_id: int | None
    decided_at: datetime | None
    closed_at: datetime | None
    last_reason: str


class ActionIn(Input):
    action: Action = Field(description="Any move but send, which has its own route (POST .../referrals)")
    reason: Text = ""
    target_agency_id: int | None = Field(default=None, description="For refer_onward: the next body")

    @field_validator("action")
    @classmethod
    def _not_send(cls, value: Action) -> Action:
        if value is Action.send:
            raise ValueError("a case is sent with POST /api/v1/cases/{id}/referrals")
        return value


class ExtendIn(Input):
    days: int = Field(ge=1, le=60)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AssignIn(Input):
    user_id: int


class MediatorOut(Output):
    user_id: int
    name: str
    load: int
    matches_specialty: bool


class EventOut(Output):
    id: int
    action: str
    from_state: str
    to_state: str
    actor_user_id: int | None
    actor_agency_id: int | None
    at: datetime
    reason: str
