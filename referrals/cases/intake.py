"""Taking a case in: the case, its parties, the consent to mediation.

Intake is idempotent per agency: the same ``idempotency_key`` twice gives ``DuplicateSubmission``
naming the case already created, and changes nothing.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import String, Table, bindparam, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from hub import audit
from hub.db import insert_or_nothing
from hub.directory import area_parents
from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from referrals import case_index
from referrals.case_index import PLACEHOLDER
from referrals.errors import ConsentInFuture, DuplicateSubmission
from referrals.models import Case, CaseGram, Party, PartyAgent

_CASES = cast(Table, Case.__table__)
_PARTIES = cast(Table, Party.__table__)
_AGENTS = cast(Table, PartyAgent.__table__)
_GRAMS = cast(Table, CaseGram.__table__)
_IDEMPOTENT = ("created_agency_id", "idempotency_key")  # the cases' unique constraint

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

    def row(self, case_id: int, recorded_by_id: int | None) -> dict[str, Any]:
        """The party's ``parties`` row; ``recorded_by_id``: who took a consent given at intake."""
        return {
            "case_id": case_id,
            "role": self.role,
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "kind": self.kind,
            "id_type": self.id_type,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "birth_date": self.birth_date,
            "occupation": self.occupation,
            "representative_role": self.representative_role,
            "representative_name": self.representative_name,
            "representative_title": self.representative_title,
            "consent": self.consent,
            "consent_at": self.consent_at,
            "consent_method": self.consent_method,
            # a party's own consent, taken at intake
            "consent_recorded_by_id": recorded_by_id if self.consent != "pending" else None,
        }


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

    def row(self, agency_id: int, created_by_id: int | None, now: datetime) -> dict[str, Any]:
        """The case's ``cases`` row but for its id, number and current referral (the caller's)."""
        consent = self.consent
        return {
            "incident_no": self.incident_no,
            "channel": self.channel,
            "category": self.category,
            "summary": self.summary,
            "area_id": self.area_id,
            "address": self.address,
            "amount": self.amount,
            "group_dispute": "group_dispute" in self.flags,
            "violence_risk": "violence_risk" in self.flags,
            "minor_criminal": "minor_criminal" in self.flags,
            "vulnerable_party": "vulnerable_party" in self.flags,
            "consent_by": consent.by if consent else "",
            "consent_at": consent.at if consent else None,
            "consent_method": consent.method if consent else "",
            "created_agency_id": agency_id,
            "created_by_id": created_by_id,
            "created_at": now,
            "idempotency_key": self.idempotency_key,
        }


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
    """Take the case in: its row, its parties (and their agents), what the case list reads of it
    (``case_index``: the taking-in agency, the search pieces), its audit row and live notice.

    The rows are written through Core, a few statements and no unit of work; the ``Case`` returned
    (with its parties) is detached, as if read by a session that has closed: every attribute is
    set, and ``session.add`` attaches it without writing it again."""
    if data.area_id is not None and data.area_id not in await area_parents(s):
        raise ValidationFailed(N_("Unknown area."))
    if data.consent is not None and data.consent.at > now + CLOCK_SKEW:
        raise ConsentInFuture.at("consent.at")
    for index, given in enumerate(data.parties):
        if given.consent_at is not None and given.consent_at > now + CLOCK_SKEW:
            raise ConsentInFuture.at(f"parties.{index}.consent_at")
    values: dict[str, Any] = {
        **data.row(agency_id, actor.user_id, now),
        "current_referral_id": None,
        "current_state": None,
        "current_receiver_id": None,
        "current_due": None,
    }
    case_id = await _insert_case(s, values, year=case_year(now, zone), idempotent=bool(data.idempotency_key))
    if case_id is None:  # a key taken in before: nothing written
        existing = await submitted(s, agency_id, data.idempotency_key)
        assert existing is not None  # the conflict was with a committed row
        raise duplicate(existing)
    number = case_number(now, case_id, zone)
    rows = [given.row(case_id, actor.user_id) for given in data.parties]
    party_ids: Sequence[int] = []
    if rows:  # a grid worker's report may name nobody yet
        insert_parties = insert(_PARTIES).returning(_PARTIES.c.id, sort_by_parameter_order=True)
        party_ids = (await s.execute(insert_parties, rows)).scalars().all()
    agents = [
        {**vars(agent), "party_id": party_id}
        for given, party_id in zip(data.parties, party_ids, strict=True)
        for agent in given.agents
    ]
    agent_ids: list[int] = []
    if agents:
        agent_ids = list(
            (
                await s.execute(insert(_AGENTS).returning(_AGENTS.c.id, sort_by_parameter_order=True), agents)
            ).scalars()
        )
    # What the case list reads (``case_index``): who may see it, and its search pieces.
    await case_index.add_agencies(s, case_id, [agency_id])
    pieces = case_index.grams(number, data.incident_no, *(given.name for given in data.parties))
    await s.execute(insert(_GRAMS), [{"gram": g, "case_id": case_id} for g in sorted(pieces)])
    await audit.record(
        s,
        actor,
        "case.taken_in",
        "case",
        case_id,
        {"number": number, "category": data.category, "parties": len(data.parties)},
    )
    outbox.add(f"agency:{agency_id}", "case.created", actor.user_id, id=case_id, number=number)
    return _detached(case_id, number, values, rows, party_ids, agents, agent_ids)


async def _insert_case(s: AsyncSession, values: dict[str, Any], *, year: int, idempotent: bool) -> int | None:
    """The case's row with its number (``case_number``), which holds its id: its id, or None when
    ``idempotent`` and its key was taken in before (then nothing is written; a SELECT first would
    be one more statement for every intake).

    On PostgreSQL one statement: the id is drawn from the table's sequence in a CTE and the number
    made from it. Elsewhere (SQLite, one writer at a time) the row is written with a placeholder
    number of its own and then numbered."""
    if s.get_bind().dialect.name == "postgresql":
        params = {"prefix": f"QC{year}-", **{f"v_{name}": value for name, value in values.items()}}
        return cast(int | None, await s.scalar(_numbered_insert(tuple(values), idempotent), params))
    # A placeholder of its own until the id is known: a shared one ("") would make every
    # concurrent intake wait on the previous one's transaction (``cases.number`` is UNIQUE).
    new = insert_or_nothing(s, _CASES, on=_IDEMPOTENT) if idempotent else insert(_CASES)
    case_id = await s.scalar(new.values(number=placeholder_number(), **values).returning(_CASES.c.id))
    if case_id is not None:
        await s.execute(update(_CASES).where(_CASES.c.id == case_id).values(number=_number(year, case_id)))
    return case_id


@functools.cache
def _numbered_insert(columns: tuple[str, ...], idempotent: bool) -> Any:
    """PostgreSQL's INSERT for ``_insert_case``, built once per set of columns (building it anew
    took a quarter of a millisecond an intake): the id drawn in a CTE, the number made from it
    (``_number`` in SQL: the prefix, then the id in six digits or more), the values bound."""
    drawn = select(func.nextval(func.pg_get_serial_sequence("cases", "id")).label("id")).cte("drawn")
    digits = sql_cast(drawn.c.id, String)
    number = bindparam("prefix", type_=String) + func.lpad(digits, func.greatest(6, func.length(digits)), "0")
    row = select(drawn.c.id, number, *(bindparam(f"v_{c}", type_=_CASES.c[c].type) for c in columns))
    new = pg_insert(_CASES).from_select(["id", "number", *columns], row)
    if idempotent:
        new = new.on_conflict_do_nothing(index_elements=_IDEMPOTENT)
    return new.returning(_CASES.c.id)


def _detached(
    case_id: int,
    number: str,
    values: dict[str, Any],
    rows: list[dict[str, Any]],
    party_ids: Sequence[int],
    agents: list[dict[str, Any]],
    agent_ids: list[int],
) -> Case:
    """The case as written, with its parties and their agents, detached (see ``take_in``)."""
    by_party: dict[int, list[PartyAgent]] = {}
    for agent_row, agent_id in zip(agents, agent_ids, strict=True):
        agent = PartyAgent(id=agent_id, **agent_row)
        by_party.setdefault(agent_row["party_id"], []).append(agent)
    parties = []
    for row, party_id in zip(rows, party_ids, strict=True):
        party = Party(id=party_id, **row, agents=by_party.get(party_id, []))
        parties.append(party)
    case = Case(id=case_id, number=number, **values, parties=parties)
    for party in parties:
        for agent in party.agents:
            make_transient_to_detached(agent)
        make_transient_to_detached(party)
    make_transient_to_detached(case)
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
    return _number(case_year(now, zone), case_id)


def case_year(now: datetime, zone: str = "Asia/Shanghai") -> int:
    return now.astimezone(ZoneInfo(zone)).year


def _number(year: int, case_id: int) -> str:
    return f"QC{year}-{case_id:06d}"  # _insert_case makes the same in SQL on PostgreSQL
