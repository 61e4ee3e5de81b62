"""Batch intake for police systems: many cases, each referred at once, in one transaction.

A police incident system hands over its day's disputes (a national day: 43,000) in batches. Each
item is a case as ``POST /api/v1/cases`` takes it; the batch is idempotent per 警情号 (incident
number, per taking-in agency: an item whose number is already in answers ``existing`` with its
case) and all or nothing per item (an item refused leaves no trace and does not stop the others;
its error is reported at its index).

The common item (referred to the proposed body, no agents, no high-risk flags) is written in bulk:
routing from the directory cache, ids reserved up front so each row is inserted once with its
number, the cases, parties, referrals, their ``send`` events, the receiving desks' inbox rows and
the audit rows (linked in one pass, ``audit.record_many``) as a few multi-row INSERTs. These are the
rows ``intake.take_in`` and ``sending.send`` write for one case, but for the SMS and e-mail to the
receiving desks: one per person and batch, not per case (``_tell_desks``). Anything else, and every item of a
bulk write that failed (another process importing the same number at the same moment), goes
through ``take_in`` and ``send`` one by one, each in a savepoint.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, bulk
from hub.db import planned_for_their_values
from hub.directory import agency_facts, area_parents
from hub.errors import HubError, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Role
from hub.notifications import Notification, people_with_role
from hub.outbound import ParamsRefused, notify_person
from referrals import case_index, deadlines, states, word_back
from referrals.agencies import RECEIVING_KINDS, policy_for
from referrals.cases.intake import CaseInput, case_number, take_in
from referrals.codes import Channel
from referrals.errors import (
    BadTarget,
    ConsentMissing,
    DuplicateSubmission,
    NoRouteFound,
    PartyRefusedMediation,
)
from referrals.models import Case, CaseAgency, Party, Referral, ReferralEvent
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


@dataclass
class _Planned:
    result: ItemResult
    data: CaseInput
    decision: rules.Decision | None = None
    accept_due: datetime | None = None


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
    bulk: list[_Planned] = []
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
            bulk.append(await _plan(s, agency_id, room, result, data, now))
        except HubError as exc:
            result.error = exc
    if bulk:
        notices = Outbox()  # told only once the rows are in
        try:
            async with s.begin_nested():
                await _write(s, actor, agency_id, bulk, now, notices, zone)
        except IntegrityError:  # a number imported elsewhere meanwhile: one by one, to tell which
            for p in bulk:
                p.result.status, p.result.case_id, p.result.number = "failed", None, None
                p.result.referral_id = p.result.state = None
            single.extend((p.result, BatchItem(p.data)) for p in bulk)
        else:
            outbox.events.extend(notices.events)
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


async def _plan(
    s: AsyncSession, agency_id: int, room: int | None, result: ItemResult, data: CaseInput, now: datetime
) -> _Planned:
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
    return _Planned(result, data, decision, deadlines.acceptance_due(now, policy))


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


async def _reserve(s: AsyncSession, table: str, count: int) -> list[int]:
    """``count`` new ids of ``table``: from its sequence (PostgreSQL), or after its largest id
    (SQLite, whose writer holds the database's lock)."""
    if s.get_bind().dialect.name == "postgresql":
        rows = await s.scalars(
            text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return sorted(rows.all())
    top = await s.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0  # noqa: S608
    return list(range(top + 1, top + 1 + count))


async def _write(
    s: AsyncSession,
    actor: audit.Actor,
    agency_id: int,
    planned: list[_Planned],
    now: datetime,
    outbox: Outbox,
    zone: str,
) -> None:
    case_ids = await _reserve(s, "cases", len(planned))
    referral_ids = await _reserve(s, "referrals", len(planned))
    facts = await agency_facts(s)
    sender = facts[agency_id].name if agency_id in facts else ""
    cases: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    referrals: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    entries: list[audit.Entry] = []
    told: set[int] = set()
    desks: dict[int, list[int]] = {}  # receiving agency -> its liaisons and admins
    texts: dict[int, list[str]] = {}  # what the case list searches (case_index.add_text)
    for p, case_id, referral_id in zip(planned, case_ids, referral_ids, strict=True):
        data, decision = p.data, p.decision
        assert decision is not None and p.accept_due is not None and data.consent is not None
        number = case_number(now, case_id, zone)
        cases.append(
            {
                "id": case_id,
                "number": number,
                **data.row(agency_id, actor.user_id, now),  # no risk flags: those go one by one
                # What the case list reads (referrals.case_index), written here as ``follow`` would.
                "current_referral_id": referral_id,
                "current_state": states.State.sent.value,
                "current_receiver_id": decision.target_agency_id,
                "current_due": p.accept_due,
            }
        )
        parties.extend(party.row(case_id, actor.user_id) for party in data.parties)
        texts[case_id] = [number, data.incident_no, *(party.name for party in data.parties)]
        target = decision.target_agency_id
        explanation = decision.explanation()
        rule = explanation.get("rule_name")
        referrals.append(
            {
                "id": referral_id,
                "case_id": case_id,
                "parent_id": None,
                "from_agency_id": agency_id,
                "to_agency_id": target,
                "state": states.State.sent.value,
                "rule_id": decision.rule.id if decision.rule.id > 0 else None,
                "explanation": explanation,
                "override_reason": "",
                "sent_by_id": actor.user_id,
                "sent_at": now,
                "accept_due": p.accept_due,
                "state_changed_at": now,
            }
        )
        events.append(
            {
                "referral_id": referral_id,
                "action": states.Action.send.value,
                "from_state": states.UNSENT,
                "to_state": states.State.sent.value,
                "actor_user_id": actor.user_id,
                "actor_agency_id": actor.agency_id,
                "at": now,
                "reason": "",
                "data": {"rule": rule},
            }
        )
        if target not in desks:
            desks[target] = await people_with_role(s, [target], Role.liaison, Role.admin)
        for user_id in desks[target]:
            told.add(user_id)
            notices.append(
                {
                    "user_id": user_id,
                    "kind": "referral.received",
                    "title": N_("New referral %(number)s from %(sender)s"),
                    "params": {"number": number, "sender": sender},
                    "link": f"/cases/{case_id}",
                    "created_at": now,
                }
            )
        entries.append(
            audit.Entry(
                actor,
                "case.taken_in",
                "case",
                case_id,
                {"number": number, "category": data.category, "parties": len(data.parties)},
            )
        )
        entries.append(
            audit.Entry(
                actor,
                states.kind_of(states.Action.send),
                "referral",
                referral_id,
                {
                    "from": states.UNSENT,
                    "to": "sent",
                    "reason": "",
                    "case": number,
                    "agency": target,
                    "rule": rule,
                },
            )
        )
        p.result.status, p.result.case_id, p.result.number = "created", case_id, number
        p.result.referral_id, p.result.state = referral_id, states.State.sent.value
    await bulk.insert_rows(s, _table(Case), cases)
    await bulk.insert_rows(s, _table(Party), parties)
    await bulk.insert_rows(s, _table(Referral), referrals)
    await bulk.insert_rows(s, _table(ReferralEvent), events)
    seeing = {(c["created_agency_id"], c["id"]) for c in cases} | {
        (r["to_agency_id"], r["case_id"]) for r in referrals
    }
    await bulk.insert_rows(s, _table(CaseAgency), [{"agency_id": a, "case_id": c} for a, c in sorted(seeing)])
    await case_index.add_text(s, texts)
    await bulk.insert_rows(s, _table(Notification), notices)
    await _tell_desks(s, planned, referrals, sender, outbox)
    await audit.record_many(s, entries)
    # One live notice per topic and kind: pages fetch what is new, however many there are.
    targets = {r["to_agency_id"] for r in referrals}
    outbox.add(f"agency:{agency_id}", "case.created", actor.user_id, count=len(cases))
    for agency in targets | {agency_id}:
        outbox.add(f"agency:{agency}", "referral.sent", actor.user_id, count=len(referrals))
    for user_id in sorted(told):
        outbox.add(f"user:{user_id}", "notification", what="referral.received", link="/cases")


async def _tell_desks(
    s: AsyncSession,
    planned: list[_Planned],
    referrals: list[dict[str, Any]],
    sender: str,
    outbox: Outbox,
) -> None:
    """SMS and e-mail to the receiving desks (``staff.new_referral``, as a single send does), once
    per desk person and batch: the first case and how many (QC2026-000123等120件), the earliest
    deadline. Their inboxes hold a row per case."""
    by_target: dict[int, list[tuple[_Planned, dict[str, Any]]]] = {}
    for p, values in zip(planned, referrals, strict=True):
        by_target.setdefault(values["to_agency_id"], []).append((p, values))
    for target, group in by_target.items():
        first, values = group[0]
        many = len(group) > 1
        params = {
            "agency": word_back.fit(sender, 24),
            "case_number": f"{first.result.number}等{len(group)}件" if many else first.result.number,
            "deadline": min(v["accept_due"] for _p, v in group),
            "link": "/cases" if many else f"/cases/{values['case_id']}",
        }
        for user_id in sorted(await people_with_role(s, [target], Role.liaison, Role.admin)):
            key = f"referral:{values['id']}:send:user:{user_id}"  # as the first case's own
            try:
                await notify_person(s, user_id, "staff.new_referral", params, key, outbox=outbox)
            except ParamsRefused as refused:  # never blocks the intake, as in ``messages``
                logger.warning("batch: no staff.new_referral: %s", refused)
                return


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
