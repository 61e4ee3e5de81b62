"""Deadlines about to lapse, told to the people who must act, by SMS or e-mail as each chose.

Run every minute by ``referrals.sweeps.run_all``:

- acceptance: a referral still ``sent`` whose acceptance deadline is near reaches the receiving
  body's liaisons and admins;
- mediation: an accepted or running mediation whose deadline is near reaches its mediator (the
  receiving body's liaisons when none is assigned).

"Near" is ``word_back.warn_before`` of the receiving body's policy. Each message is named by the
referral, the step, the deadline and the person, so a second run (or a second process) adds
nothing, and a deadline that is extended is told again. The keys already queued are read first,
and a write transaction opens only for new ones: the sweep runs every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database
from hub.events import Outbox
from hub.models import Role, User
from hub.notifications import people_with_role
from hub.outbound import contact, notify_person
from hub.outbound.models import OutboundMessage
from referrals import states, word_back
from referrals.agencies import Policies
from referrals.models import Case, Referral

LOOK_AHEAD = timedelta(days=7)  # no agency's "soon" is longer than this


@dataclass(frozen=True)
class Due:
    referral_id: int
    case_id: int
    case_number: str
    step: str  # acceptance, mediation (the template's step choices)
    deadline: datetime
    user_id: int

    @property
    def key(self) -> str:
        at = int(self.deadline.timestamp())
        return f"deadline:{self.step}:referral:{self.referral_id}:{at}:user:{self.user_id}"


def _expected(key: str, user: User) -> list[str]:
    """The keys ``notify_person`` will write for this person (none if they chose no channel)."""
    found = []
    for channel in contact.channels(user.notify_by):
        if (channel == "sms" and contact.is_mobile(user.phone)) or (
            channel == "email" and contact.is_email(user.email)
        ):
            found.append(f"{key}:{channel}")
    return found


async def _due_soon(s: AsyncSession, now: datetime) -> list[Due]:
    """The people-deadlines whose time to be told has come: rows, not objects, and people looked
    up only for those (a deadline extended a little is told again, so no run may skip one)."""
    policies = Policies(s)
    found: list[Due] = []
    candidates = (
        await s.execute(
            select(
                Referral.id,
                Referral.case_id,
                Referral.state,
                Referral.to_agency_id,
                Referral.mediator_id,
                Referral.accept_due,
                Referral.mediation_due,
                Case.number,
            )
            .join(Case, Case.id == Referral.case_id)
            .where(
                (
                    (Referral.state == states.State.sent)
                    & (Referral.accept_due > now)
                    & (Referral.accept_due <= now + LOOK_AHEAD)
                )
                | (
                    Referral.state.in_([states.State.accepted, states.State.in_mediation])
                    & (Referral.mediation_due > now)
                    & (Referral.mediation_due <= now + LOOK_AHEAD)
                )
            )
            .order_by(Referral.id)
        )
    ).all()
    for referral in candidates:
        policy = await policies.of(referral.to_agency_id)
        sent = referral.state == states.State.sent
        step = "acceptance" if sent else "mediation"
        deadline: datetime | None = referral.accept_due if sent else referral.mediation_due
        assert deadline is not None
        tell_at = deadline - word_back.warn_before(step, policy.soon_hours, policy.accept_hours)
        if tell_at > now:
            continue
        if sent:
            people = await people_with_role(s, [referral.to_agency_id], Role.liaison, Role.admin)
        elif referral.mediator_id is not None:
            people = [referral.mediator_id]
        else:
            people = await people_with_role(s, [referral.to_agency_id], Role.liaison)
        found.extend(
            Due(referral.id, referral.case_id, referral.number, step, deadline, p) for p in sorted(people)
        )
    return found


async def _not_yet_told(s: AsyncSession, due: list[Due]) -> list[Due]:
    users = {
        u.id: u for u in (await s.scalars(select(User).where(User.id.in_({d.user_id for d in due})))).all()
    }
    wanted = {
        d: _expected(d.key, users[d.user_id]) for d in due if d.user_id in users and users[d.user_id].active
    }
    keys = [k for ks in wanted.values() for k in ks]
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update(
            (
                await s.scalars(
                    select(OutboundMessage.dedupe_key).where(OutboundMessage.dedupe_key.in_(chunk))
                )
            ).all()
        )
    return [d for d, ks in wanted.items() if any(k not in known for k in ks)]


async def tell_deadlines_soon(db: Database, now: datetime, outbox: Outbox) -> int:
    """Queue the warnings not yet queued; returns how many people-deadlines were told."""
    async with db.read() as s:
        new = await _not_yet_told(s, await _due_soon(s, now))
    if not new:
        return 0
    async with db.write() as s:
        for d in new:
            await notify_person(
                s,
                d.user_id,
                "staff.deadline_soon",
                {
                    "case_number": d.case_number,
                    "step": d.step,
                    "deadline": d.deadline,
                    "link": f"/cases/{d.case_id}",
                },
                d.key,
                expires_at=d.deadline,
                outbox=outbox,
            )
    return len(new)
