"""Taking a case in: the case, its parties, the consent to mediation.

Intake is idempotent per agency: the same ``idempotency_key`` twice gives ``DuplicateSubmission``
naming the case already created, and changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Area
from referrals.case_index import PLACEHOLDER
from referrals.errors import ConsentInFuture, DuplicateSubmission
from referrals.models import Case, Party, PartyAgent

# A consent time a little ahead of the server's clock is a clock's error, not a time to come.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class AgentInput:
    name: str
    id_number: str = ""
    phone: str = ""
    relation: str = ""
    law_firm: str = ""
    authority: str = "general"
    scope: str = ""


@dataclass(frozen=True)
class PartyInput:
    role: str
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    kind: str = "person"
    id_type: str = "resident_id"
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    occupation: str = ""
    representative_role: str = ""
    representative_name: str = ""
    representative_title: str = ""
    agents: tuple[AgentInput, ...] = ()
    email: str = ""
    consent: str = "pending"
    consent_at: datetime | None = None
    consent_method: str = ""

    def to_row(self) -> Party:
        return Party(
            role=self.role,
            name=self.name,
            id_number=self.id_number,
            phone=self.phone,
            email=self.email,
            address=self.address,
            kind=self.kind,
            id_type=self.id_type,
            sex=self.sex,
            ethnicity=self.ethnicity,
            birth_date=self.birth_date,
            occupation=self.occupation,
            representative_role=self.representative_role,
            representative_name=self.representative_name,
            representative_title=self.representative_title,
            consent=self.consent,
            consent_at=self.consent_at,
            consent_method=self.consent_method,
            agents=[PartyAgent(**vars(a)) for a in self.agents],
        )


@dataclass(frozen=True)
class ConsentInput:
    by: str
    at: datetime
    method: str


@dataclass(frozen=True)
class CaseInput:
    channel: str
    category: str
    summary: str
    parties: tuple[PartyInput, ...]
    incident_no: str = ""
    area_id: int | None = None
    address: str = ""
    amount: Decimal | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    consent: ConsentInput | None = None
    idempotency_key: str | None = None


async def submitted(s: AsyncSession, agency_id: int, idempotency_key: str | None) -> Case | None:
    """The case an earlier submission with this key made, if any."""
    if not idempotency_key:
        return None
    return await s.scalar(
        select(Case).where(Case.created_agency_id == agency_id, Case.idempotency_key == idempotency_key)
    )


def duplicate(existing: Case) -> DuplicateSubmission:
    return DuplicateSubmission(
        number=existing.number,
        details=[{"field": "case_id", "type": "existing", "message": str(existing.id)}],
    )


async def take_in(
    s: AsyncSession,
    actor: audit.Actor,
    agency_id: int,
    data: CaseInput,
    now: datetime,
    outbox: Outbox,
    *,
    zone: str = "Asia/Shanghai",
) -> Case:
    existing = await submitted(s, agency_id, data.idempotency_key)
    if existing is not None:
        raise duplicate(existing)
    if data.area_id is not None and await s.get(Area, data.area_id) is None:
        raise ValidationFailed(N_("Unknown area."))
    if data.consent is not None and data.consent.at > now + CLOCK_SKEW:
        raise ConsentInFuture.at("consent.at")
    for index, given in enumerate(data.parties):
        if given.consent_at is not None and given.consent_at > now + CLOCK_SKEW:
            raise ConsentInFuture.at(f"parties.{index}.consent_at")
    case = Case(
        # A placeholder of its own until the id is known: a shared one ("") would make every
        # concurrent intake wait on the previous one's transaction (``cases.number`` is UNIQUE).
        number=placeholder_number(),
        incident_no=data.incident_no,
        channel=data.channel,
        category=data.category,
        summary=data.summary,
        area_id=data.area_id,
        address=data.address,
        amount=data.amount,
        group_dispute="group_dispute" in data.flags,
        violence_risk="violence_risk" in data.flags,
        minor_criminal="minor_criminal" in data.flags,
        vulnerable_party="vulnerable_party" in data.flags,
        created_agency_id=agency_id,
        created_by_id=actor.user_id,
        created_at=now,
        idempotency_key=data.idempotency_key,
        parties=[p.to_row() for p in data.parties],
    )
    if data.consent is not None:
        case.consent_by, case.consent_at, case.consent_method = (
            data.consent.by,
            data.consent.at,
            data.consent.method,
        )
    for party in case.parties:
        if party.consent != "pending":  # a party's own consent, taken at intake
            party.consent_recorded_by_id = actor.user_id
    s.add(case)
    await s.flush()
    case.number = case_number(now, case.id, zone)
    await s.flush()
    await audit.record(
        s,
        actor,
        "case.taken_in",
        "case",
        case.id,
        {"number": case.number, "category": case.category, "parties": len(case.parties)},
    )
    outbox.add(f"agency:{agency_id}", "case.created", actor.user_id, id=case.id, number=case.number)
    return case


async def record_consent(s: AsyncSession, actor: audit.Actor, case: Case, consent: ConsentInput) -> Case:
    case.consent_by, case.consent_at, case.consent_method = consent.by, consent.at, consent.method
    await s.flush()
    await audit.record(
        s,
        actor,
        "case.consent_recorded",
        "case",
        case.id,
        {"by": consent.by, "method": consent.method, "at": consent.at.isoformat()},
    )
    return case


def placeholder_number() -> str:
    """Unique, and never a real number (those start with QC)."""
    return PLACEHOLDER + uuid.uuid4().hex[:31]  # the column holds 32


def case_number(now: datetime, case_id: int, zone: str = "Asia/Shanghai") -> str:
    """Readable and unique: the year (the district's, not UTC's: a case taken in at 07:00 on
    1 January belongs to the new year) and the case id, e.g. QC2026-000123."""
    return f"QC{now.astimezone(ZoneInfo(zone)).year}-{case_id:06d}"
