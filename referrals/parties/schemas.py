"""JSON shapes of a party's change and of a party's consent (the party itself: ``PartyOut``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from hub.schemas import Input
from referrals.cases.schemas import AgentIn, Email, IdNumber, IdType, Name, Phone, Short
from referrals.codes import PartyConsentMethod, PartyRole


class PartyPatch(Input):
    """The fields to change; the rest stay. The party is checked whole afterwards (as at intake);
    ``agents``, when given, replaces the list. ``null`` clears a field."""

    role: PartyRole | None = None
    name: Name | None = None
    kind: Literal["person", "organisation"] | None = None
    id_type: IdType | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    sex: Literal["male", "female", ""] | None = None
    ethnicity: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] | None = None
    birth_date: date | None = None
    occupation: Short | None = None
    representative_role: Literal["legal_representative", "principal", ""] | None = None
    representative_name: Short | None = None
    representative_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        None
    )
    agents: list[AgentIn] | None = Field(default=None, max_length=5)


class PartyConsentIn(Input):
    """One party's answer to mediation: who heard it is the person recording it."""

    consent: Literal["given", "refused"]
    at: datetime = Field(description="When the party said so, with its zone")
    method: PartyConsentMethod = Field(description="in_person, phone, written or online")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
        return value
