"""JSON shapes of a referral once sent: the referral itself, its moves and events, its mediator
and its extension (``referrals.cases.referral_api``; sending answers a ``ReferralOut`` too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from hub.schemas import Input, Output
from referrals.cases.schemas import Text
from referrals.states import Action


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
