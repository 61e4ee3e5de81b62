"""Deadline checks, run every minute by one hub process at a time (``hub.leader``; idempotent
anyway: compare-and-set moves and warning keys make a second run a no-op).

Each run after the first looks only at what fell due since the run before (``since``, less
``MARGIN`` for transactions still open then): deadlines that passed in between, cases taken in
since. The first run of a process (``since`` None) catches up with everything.

- A referral not accepted by its acceptance deadline expires: the case goes back to the sender
  and the supervisors above both agencies are told at once (escalation).
- A mediation past its deadline raises a warning for the receiving agency.
- An application for judicial confirmation near or past the court's acceptance or decision day
  raises a warning for the court (``referrals.court.sweep``).
- A deadline about to lapse is told to the people who must act (``deadline_notices``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hub.db import Database
from hub.directory import overseers
from hub.early_warnings import known_keys, raise_warning
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Role
from hub.notifications import notify
from hub.workdays.calendar import StatutoryCalendar
from referrals import states
from referrals.errors import StaleState
from referrals.models import Case, Referral
from referrals.moves import Move, move

logger = logging.getLogger(__name__)
# How far before the last run a run looks again: a case or move written in a transaction still
# open at the last run, with an earlier time in it, is seen by this one (keys dedupe the overlap).
MARGIN = timedelta(minutes=5)


def window_start(since: datetime | None) -> datetime | None:
    return None if since is None else since - MARGIN


async def expire_overdue(db: Database, now: datetime, outbox: Outbox) -> int:
    async with db.read() as s:
        ids = (
            await s.scalars(
                select(Referral.id).where(Referral.state == states.State.sent, Referral.accept_due < now)
            )
        ).all()
    count = 0
    for referral_id in ids:
        try:
            async with db.write() as s:
                referral = await s.get(Referral, referral_id)
                if referral is None or referral.state != states.State.sent:
                    continue
                await move(
                    s,
                    None,
                    referral,
                    Move(states.Action.expire, "acceptance deadline passed"),
                    sides={states.Side.system},
                    now=now,
                    outbox=outbox,
                )
                referral.escalated_at = now
                case = await s.get(Case, referral.case_id)
                assert case is not None
                link = f"/cases/{case.id}"
                people = await overseers(s, [referral.from_agency_id, referral.to_agency_id], Role.supervisor)
                await notify(
                    s,
                    outbox,
                    people,
                    "referral.escalated",
                    N_("Referral %(number)s was not accepted in time (escalated)"),
                    link,
                    number=case.number,
                )
                await raise_warning(
                    s,
                    key=f"overdue_acceptance:referral:{referral.id}",
                    kind="overdue_acceptance",
                    severity="critical",
                    title=N_("Referral %(number)s was not accepted in time"),
                    agency_id=referral.to_agency_id,
                    case_id=case.id,
                    area_id=case.area_id,
                    link=link,
                    now=now,
                    number=case.number,
                )
                count += 1
        except StaleState:
            continue
    return count


def _overdue_key(referral: Any) -> str:
    """``referral``: a Referral or a row with its ``id`` and ``mediation_due``."""
    due = referral.mediation_due.date().isoformat() if referral.mediation_due else ""
    return f"overdue_mediation:referral:{referral.id}:{due}"


async def warn_overdue_mediation(db: Database, now: datetime, since: datetime | None = None) -> int:
    """Raise a warning per overdue mediation not yet warned of (of those whose deadline passed
    after ``since``, when given). Looked up in a read transaction, written only for the new ones:
    the overdue pile up, and a write transaction every minute over all of them would hold
    SQLite's one writer."""
    overdue = select(Referral.id, Referral.mediation_due).where(
        Referral.state.in_([states.State.accepted, states.State.in_mediation]),
        Referral.mediation_due < now,
    )
    start = window_start(since)
    if start is not None:
        overdue = overdue.where(Referral.mediation_due >= start)
    async with db.read() as s:
        found = (await s.execute(overdue.order_by(Referral.id))).all()
        keys = {r.id: _overdue_key(r) for r in found}
        known = await known_keys(s, list(keys.values()))
    new = [rid for rid, key in keys.items() if key not in known]
    if not new:
        return 0
    count = 0
    async with db.write() as s:
        rows = (
            await s.execute(
                select(Referral, Case).join(Case, Case.id == Referral.case_id).where(Referral.id.in_(new))
            )
        ).all()
        for referral, case in rows:
            made = await raise_warning(
                s,
                key=_overdue_key(referral),
                kind="overdue_mediation",
                title=N_("Mediation of %(number)s is past its deadline"),
                agency_id=referral.to_agency_id,
                case_id=case.id,
                area_id=case.area_id,
                link=f"/cases/{case.id}",
                now=now,
                number=case.number,
            )
            count += made is not None
    return count


async def run_all(
    db: Database,
    now: datetime,
    outbox: Outbox,
    *,
    zone: str,
    calendar: StatutoryCalendar | None = None,
    since: datetime | None = None,
) -> dict[str, int]:
    """``zone``: the district's (the configured) time zone, in which report days begin and end;
    ``calendar``: the app's cached statutory calendar, by which reports fall due; ``since``: the
    ``now`` of this process's last complete run (None: look at everything)."""
    from referrals import deadline_notices
    from referrals.court.sweep import warn_court_deadlines
    from referrals.reports import sweep

    return {
        "expired": await expire_overdue(db, now, outbox),
        "deadlines_soon": await deadline_notices.tell_deadlines_soon(db, now, outbox),
        "overdue_mediation": await warn_overdue_mediation(db, now, since),
        "court_deadlines": await warn_court_deadlines(db, now, zone=zone),
        **await sweep.sweep(db, now, zone=zone, calendar=calendar, since=since),
    }
