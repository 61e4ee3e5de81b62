"""JSON shapes of the court's queue and steps. Text fields default to empty, so that a missing 案号,
note or reason is answered with the step's own error code and message, not a generic one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.schemas import Input, Output
from referrals.agreements.schemas import AwareTime

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class CourtClockOut(Output):
    kind: str = Field(description="acceptance (3 days from receipt) or decision (15 days, +10 extended)")
    deadline: date
    days_left: int
    status: str = Field(description="ok, soon (within 3 days) or expired")
    extended: bool


class EnforcementOut(Output):
    deadline: date = Field(description="Last day to apply for enforcement (two years)")
    days_left: int


class CourtApplicationOut(Output):
    id: int
    case_id: int
    case_number: str
    referral_state: str
    court_agency_id: int
    court_name: str
    agreement_id: int
    agreement_superseded: bool
    applied_at: datetime
    court_case_number: str
    accepted_at: datetime | None
    correction_note: str
    correction_requested_at: datetime | None
    correction_reply: str
    corrected_at: datetime | None
    extension_approved_by: str
    extension_approved_at: datetime | None
    extension_reason: str
    decision_due: date | None
    outcome: str
    ruling_number: str
    ruling_date: date | None
    refusal_reason: str
    decided_at: datetime | None
    clock: CourtClockOut | None
    steps: list[str] = Field(description="The steps the caller may take now")
    enforcement: EnforcementOut | None = Field(
        default=None,
        description="Confirmed and a follow-up visit found it not performed: apply for enforcement",
    )


class QueueQuery(Input):
    open: bool | None = Field(default=None, description="Only undecided (true) or decided (false)")


class AcceptIn(Input):
    court_case_number: Short = Field(default="", description="The court's case number (案号), required")


class CorrectionIn(Input):
    note: Text = Field(default="", description="What is missing (补正), required")


class ResubmitIn(Input):
    reply: Text = Field(default="", description="What the room supplied, required")


class ExtensionIn(Input):
    approved_by: Short = Field(default="", description="Who approved 10 more days (the president)")
    reason: Text = ""
    approved_at: AwareTime | None = Field(default=None, description="When; now when omitted")


class ConfirmIn(Input):
    ruling_number: Short = Field(default="", description="The ruling's (裁定书) number, required")
    ruling_date: date | None = Field(default=None, description="The ruling's date, required")


class ReasonIn(Input):
    reason: Text = Field(default="", description="Why: required")
