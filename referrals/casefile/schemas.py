"""JSON shapes of the case file: the parties' acknowledgements of their rights and duties, and
which forms a case has."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from hub.schemas import Input, Output

Method = Literal["signed", "read_aloud", "online"]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
    return value


class AcknowledgementIn(Input):
    party_id: int = Field(description="The party who acknowledged the notice")
    method: Method = Field(description="signed (书面签收), read_aloud (当面宣读), online (在线确认)")
    acknowledged_at: Annotated[datetime, AfterValidator(_aware)] | None = Field(
        default=None, description="When; now when left out"
    )


class AcknowledgementOut(Output):
    party_id: int
    name: str
    role: str
    acknowledged_at: datetime | None = None
    method: str | None = None
    recorded_by: str | None = None


class FormOut(Output):
    name: str = Field(description="application, registration, rights, refusal, termination, followups")
    title: str
    url: str


class CaseFileOut(Output):
    case_id: int
    number: str
    forms: list[FormOut]
    acknowledgements: list[AcknowledgementOut]
    pdf_url: str
    zip_url: str
