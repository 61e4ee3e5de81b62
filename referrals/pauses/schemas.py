"""JSON shapes of a referral's pauses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.schemas import Input, Output


class PauseIn(Input):
    first_day: date = Field(description="The first day not counted")
    last_day: date = Field(description="The last day not counted (included)")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Why, e.g. 医疗损害鉴定"
    )


class PauseOut(Output):
    id: int
    referral_id: int
    first_day: date
    last_day: date
    reason: str
    recorded_by_id: int | None
    recorded_at: datetime


class PausesOut(Output):
    items: list[PauseOut]
    mediation_due: datetime | None = Field(description="The mediation deadline, pauses left out")
