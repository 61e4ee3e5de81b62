"""Batch intake for police systems: many cases, each referred at once, in one transaction.

A police incident system hands over its day's disputes (a national day: 43,000) in batches. Each
item is a case as ``POST /api/v1/cases`` takes it; the batch is idempotent per 警情号 (incident
number, per taking-in agency: an item whose number is already in answers ``existing`` with its
case) and all or nothing per item (an item refused leaves no trace and does not stop the others;
its error is reported at its index).

The common item (referred to the proposed body, no agents, no high-risk flags) is checked and
routed here from the directory cache, then written in bulk by ``batch_write``: the rows
``intake.take_in`` and ``sending.send`` write for one case, as a few multi-row INSERTs. Anything
else, and every item of a bulk write that failed (another process importing the same number at
the same moment), goes through ``take_in`` and ``send`` one by one, each in a savepoint.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import planned_for_their_values
from hub.directory import agency_facts, area_parents
from hub.errors import HubError, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from referrals import deadlines, states
from referrals.agencies import RECEIVING_KINDS, policy_for
from referrals.cases import batch_write
from referrals.cases.batch_write import Planned
from referrals.cases.intake import CaseInput, take_in
from referrals.codes import Channel
from referrals.errors import (
    BadTarget,
    ConsentMissing,
    DuplicateSubmission,
    NoRouteFound,
    PartyRefusedMediation,
)
from referrals.models import Case
from referrals.routing import proposal, rules
from referrals.sending import send

logger = logging.getLogger(__name__)
BATCH_MAX = 500
RISK_FLAGS = frozenset({"group_dispute", "violence_risk"})  # their alerts go one by one


@dataclass(frozen=True)
class BatchItem:
    data: CaseInput
    refer: bool = True
    target_agency_id: int | None = None  # another body than the proposed one, with a reason
    override_reason: str = ""


@dataclass
class ItemResult:
    index: int
    incident_no: str
    status: str = "failed"  # created | existing | failed
    case_id: int | None = None
    number: str | None = None
    referral_id: int | None = None
    state: str | None = None
    error: HubError | None = None


def incident_key(incident_no: str) -> str:
    """The idempotency key of a batch item: its incident number (unique per agency)."""
    return f"incident:{incident_no}"


async def take_in_batch(
    s: AsyncSession,
    actor: audit.Actor,
    agency_id: int,
    items: Sequence[BatchItem | HubError],
    now: datetime,
    outbox: Outbox,
    *,
    zone: str = "Asia/Shanghai",
) -> list[ItemResult]:
    results = [
        ItemResult(i, item.data.incident_no if isinstance(item, BatchItem) else "")
        for i, item in enumerate(items)
    ]
    wanted: dict[str, int] = {}  # incident number -> index of its first item
    for result, item in zip(results, items, strict=True):
        if isinstance(item, HubError):
            result.error = item
        elif not item.data.incident_no:
            result.error = ValidationFailed(N_("Each item of a batch needs its incident number."))
        elif item.data.incident_no in wanted:
            result.status, result.case_id = "existing", -1  # filled in below, once the first is in
        else:
            wanted[item.data.incident_no] = result.index
    known = await _existing(s, agency_id, list(wanted))
    bulk: list[tuple[ItemResult, Planned]] = []
    room = await proposal.stationed_room_of(s, agency_id)
    single: list[tuple[ItemResult, BatchItem]] = []
    for number, index in wanted.items():
        result, item = results[index], items[index]
        assert isinstance(item, BatchItem)
        if number in known:
            result.status, (result.case_id, result.number) = "existing", known[number]
            continue
        data = dataclasses.replace(
            item.data, idempotency_key=item.data.idempotency_key or incident_key(number)
        )
        item = dataclasses.replace(item, data=data)
        if (
            not item.refer
            or item.target_agency_id is not None
            or RISK_FLAGS & data.flags
            or any(p.agents for p in data.parties)
        ):
            single.append((result, item))
            continue
        try:
            bulk.append((result, await _plan(s, agency_id, room, data, now)))
        except HubError as exc:
            result.error = exc
    if bulk:
        notices = Outbox()  # told only once the rows are in
        try:
            async with s.begin_nested():
                planned = [p for _result, p in bulk]
                written = await batch_write.write(s, actor, agency_id, planned, now, notices, zone)
        except IntegrityError:  # a number imported elsewhere meanwhile: one by one, to tell which
            single.extend((result, BatchItem(p.data)) for result, p in bulk)
        else:
            outbox.events.extend(notices.events)
            for (result, _p), w in zip(bulk, written, strict=True):
                result.status, result.case_id, result.number = "created", w.case_id, w.number
                result.referral_id, result.state = w.referral_id, states.State.sent.value
    for result, item in single:
        await _one(s, actor, agency_id, result, item, now, outbox, zone)
    for result, item in zip(results, items, strict=True):
        if result.case_id == -1 and isinstance(item, BatchItem):  # a number repeated in the batch
            first = results[wanted[item.data.incident_no]]
            result.case_id, result.number = first.case_id, first.number
            if first.case_id is None:
                result.status, result.error = "failed", first.error
    return results


async def _existing(s: AsyncSession, agency_id: int, numbers: list[str]) -> dict[str, tuple[int, str]]:
    """The cases these incident numbers already made. On PostgreSQL planned for the numbers at
    hand: the connection's prepared statement would otherwise keep the generic plan made while
    ``cases`` was small (the agency's index, every one of its cases tested against the list),
    whose cost grows with every case (0 to 1.5 ms of the database's CPU a case over a
    43,000-case import). Only for this query: a custom plan for each foreign-key check of the
    bulk writes would cost far more."""
    found: dict[str, tuple[int, str]] = {}
    async with planned_for_their_values(s):
        for start in range(0, len(numbers), 1000):
            rows = await s.execute(
                select(Case.incident_no, Case.id, Case.number).where(
                    Case.created_agency_id == agency_id, Case.incident_no.in_(numbers[start : start + 1000])
                )
            )
            for incident_no, case_id, number in rows.all():
                found.setdefault(incident_no, (case_id, number))
    return found


async def _plan(s: AsyncSession, agency_id: int, room: int | None, data: CaseInput, now: datetime) -> Planned:
    """The checks ``take_in`` and ``send`` make, and the routing decision, from the cache."""
    parents = await area_parents(s)
    if data.area_id is not None and data.area_id not in parents:
        raise ValidationFailed(N_("Unknown area."))
    if data.consent is None:
        raise ConsentMissing()
    if any(p.consent == "refused" for p in data.parties):
        raise PartyRefusedMediation()
    facts = rules.CaseFacts(
        category=data.category,
        area_path=proposal.path_in(parents, data.area_id),
        amount=data.amount,
        party_count=len(data.parties),
        flags=data.flags,
    )
    try:
        decision = rules.decide(facts, await proposal.active_rules(s), room)
    except rules.NoRoute:
        raise NoRouteFound() from None
    target = (await agency_facts(s)).get(decision.target_agency_id)
    if (
        target is None
        or target.kind not in RECEIVING_KINDS
        or not target.active
        or (target.id == agency_id and data.channel != Channel.grid_report)
    ):
        raise BadTarget()
    policy = await policy_for(s, target.id)
    return Planned(data, decision, deadlines.acceptance_due(now, policy))


async def _one(
    s: AsyncSession,
    actor: audit.Actor,
    agency_id: int,
    result: ItemResult,
    item: BatchItem,
    now: datetime,
    outbox: Outbox,
    zone: str,
) -> None:
    """``take_in`` and ``send`` as ``POST /api/v1/cases`` with ``refer`` does, in a savepoint."""
    notices = Outbox()
    try:
        async with s.begin_nested():
            case = await take_in(s, actor, agency_id, item.data, now, notices, zone=zone)
            referral = None
            if item.refer:
                referral = await send(
                    s,
                    actor,
                    case,
                    sender_agency_id=agency_id,
                    now=now,
                    outbox=notices,
                    target_agency_id=item.target_agency_id,
                    override_reason=item.override_reason,
                )
    except DuplicateSubmission as exc:  # imported by another batch since this one looked
        found = (await _existing(s, agency_id, [item.data.incident_no])).get(item.data.incident_no)
        if found is None:  # the item's own idempotency key names another incident's case
            result.error = exc
        else:
            result.status, (result.case_id, result.number) = "existing", found
        return
    except HubError as exc:
        result.error = exc
        return
    except IntegrityError:  # imported elsewhere at the same moment
        found = (await _existing(s, agency_id, [item.data.incident_no])).get(item.data.incident_no)
        if found is None:
            raise
        result.status, (result.case_id, result.number) = "existing", found
        return
    outbox.events.extend(notices.events)
    result.status, result.case_id, result.number = "created", case.id, case.number
    if referral is not None:
        result.referral_id, result.state = referral.id, referral.state
