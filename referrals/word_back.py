"""Which referral moves send word beyond the hub, and to whom: two small tables, pure.

- ``WEBHOOK_EVENTS``: the moves the referring agency's own system (the police incident system) hears
  of, by its webhook: accepted, declined, settled (resolved) and closed. The others (expiry, a
  failed mediation, a withdrawal, a passing on) bring the case back to the sender or keep it
  moving, and the sender sees them in the hub.
- ``STAFF_NOTICES``: the moves the hub's people are told of by SMS or e-mail as each chose
  (``hub.outbound.notify_person``): a new referral to the receiving body, the court's answer to
  the body that mediated.

Keys are action names (``referrals.states.Action``); an action not listed sends nothing, so states
added later (the court's own steps) send nothing until a row says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Audience(StrEnum):
    receiving_desk = "receiving_desk"  # the receiving body's liaisons and admins
    mediating = "mediating"  # the case's mediator and the receiving body's liaisons


@dataclass(frozen=True)
class StaffNotice:
    template: str  # a hub.outbound template code
    audience: Audience
    outcome: str = ""  # for staff.court_outcome: its ``outcome`` choice


WEBHOOK_EVENTS: dict[str, str] = {
    "accept": "referral.accepted",
    "decline": "referral.declined",
    "resolve": "referral.resolved",
    "close": "referral.closed",
}

# An onward referral's events that also reach the agencies further up the chain (the station that
# first referred the case): its acceptance and settlement concern the incident; a decline sends the
# case back to the body that passed it on, not to them.
UPSTREAM_EVENTS = frozenset({"referral.accepted", "referral.resolved", "referral.closed"})

STAFF_NOTICES: dict[str, StaffNotice] = {
    "send": StaffNotice("staff.new_referral", Audience.receiving_desk),
    "confirm": StaffNotice("staff.court_outcome", Audience.mediating, "confirmed"),
    "refuse_confirmation": StaffNotice("staff.court_outcome", Audience.mediating, "refused"),
}


def webhook_event(action: str) -> str | None:
    """The webhook event a move sends to the referring agency's system, or None."""
    return WEBHOOK_EVENTS.get(action)


def reaches(event: str, hops_up: int) -> bool:
    """Does ``event`` go to the agency ``hops_up`` referrals up the chain (0: the direct sender)?"""
    return hops_up == 0 or event in UPSTREAM_EVENTS


def staff_notice(action: str) -> StaffNotice | None:
    """What the hub's people are told of a move by SMS or e-mail, or None."""
    return STAFF_NOTICES.get(action)


_NOT_IN_NAMES = re.compile(r"[^\w ·・.()（）\-]|_")


def fit(text: str, limit: int) -> str:
    """A name as a template's ``name`` field takes it: marks names do not use dropped, cut to the
    field's length (an agency's full name may be long)."""
    text = " ".join(_NOT_IN_NAMES.sub(" ", text).split())
    return text[:limit].strip()


def warn_before(step: str, soon_hours: int, accept_hours: int) -> timedelta:
    """How long before a deadline the people who must act are told it is about to lapse: the
    agency's "soon" (``Policy.soon_hours``), but for acceptance at most a quarter of the time
    allowed, so that a referral is not "about to lapse" the moment it arrives."""
    if step == "acceptance":
        return timedelta(hours=min(soon_hours, max(1, accept_hours // 4)))
    return timedelta(hours=soon_hours)
