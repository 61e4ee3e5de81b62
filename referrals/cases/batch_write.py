"""The bulk write of a batch intake (``referrals.cases.batch``): many cases taken in and sent at once.

Each planned item is written as ``intake.take_in`` and ``sending.send`` write one case: ids
reserved up front so each row is inserted once with its number; the cases, parties, referrals,
their ``send`` events, the case list's rows (``case_agencies``, the search pieces), the receiving
desks' inbox rows and the audit rows (linked in one pass, ``audit.record_many``) as a few
multi-row INSERTs. The SMS and e-mail to the receiving desks go once per person and batch, not per
case (``_tell_desks``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, bulk
from hub.directory import agency_facts
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Role
from hub.notifications import Notification, people_with_role
from hub.outbound import ParamsRefused, notify_person
from referrals import case_index, states, word_back
from referrals.cases.intake import CaseInput, case_number
from referrals.models import Case, CaseAgency, Party, Referral, ReferralEvent
from referrals.routing import rules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """An item checked and routed (``batch._plan``), ready to be written."""

    data: CaseInput
    decision: rules.Decision
    accept_due: datetime


@dataclass(frozen=True)
class Written:
    case_id: int
    number: str
    referral_id: int


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


async def write(
    s: AsyncSession,
    actor: audit.Actor,
    agency_id: int,
    planned: list[Planned],
    now: datetime,
    outbox: Outbox,
    zone: str,
) -> list[Written]:
    """The rows of ``planned``, each a case taken in and sent, as a few multi-row INSERTs; what
    each item became, in their order."""
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
    written: list[Written] = []
    for p, case_id, referral_id in zip(planned, case_ids, referral_ids, strict=True):
        data, decision = p.data, p.decision
        assert data.consent is not None
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
        written.append(Written(case_id, number, referral_id))
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
    await _tell_desks(s, written, referrals, desks, sender, outbox)
    await audit.record_many(s, entries)
    # One live notice per topic and kind: pages fetch what is new, however many there are.
    targets = {r["to_agency_id"] for r in referrals}
    outbox.add(f"agency:{agency_id}", "case.created", actor.user_id, count=len(cases))
    for agency in targets | {agency_id}:
        outbox.add(f"agency:{agency}", "referral.sent", actor.user_id, count=len(referrals))
    for user_id in sorted(told):
        outbox.add(f"user:{user_id}", "notification", what="referral.received", link="/cases")
    return written


async def _tell_desks(
    s: AsyncSession,
    written: list[Written],
    referrals: list[dict[str, Any]],
    desks: dict[int, list[int]],
    sender: str,
    outbox: Outbox,
) -> None:
    """SMS and e-mail to the receiving desks (``staff.new_referral``, as a single send does), once
    per desk person and batch: the first case and how many (QC2026-000123等120件), the earliest
    deadline. Their inboxes hold a row per case."""
    by_target: dict[int, list[tuple[Written, dict[str, Any]]]] = {}
    for item, values in zip(written, referrals, strict=True):
        by_target.setdefault(values["to_agency_id"], []).append((item, values))
    for target, group in by_target.items():
        first, values = group[0]
        many = len(group) > 1
        params = {
            "agency": word_back.fit(sender, 24),
            "case_number": f"{first.number}等{len(group)}件" if many else first.number,
            "deadline": min(v["accept_due"] for _w, v in group),
            "link": "/cases" if many else f"/cases/{values['case_id']}",
        }
        for user_id in sorted(desks[target]):  # looked up once per target, for the inbox rows
            key = f"referral:{values['id']}:send:user:{user_id}"  # as the first case's own
            try:
                await notify_person(s, user_id, "staff.new_referral", params, key, outbox=outbox)
            except ParamsRefused as refused:  # never blocks the intake, as in ``messages``
                logger.warning("batch: no staff.new_referral: %s", refused)
                return
