"""The referral state machine: a table of allowed moves, pure.

``apply(state, action)`` returns the next state or raises ``TransitionRefused`` naming the state
and the action. Each action also says which side may take it (the sending agency, the receiving
agency, or the system's own deadline checks) and whether a reason is required.

A referral's life begins with a move too: ``send`` takes it from ``UNSENT`` (no referral yet:
its row is being written) to ``sent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    in_mediation = "in_mediation"
    resolved = "resolved"
    failed = "failed"
    withdrawn = "withdrawn"
    referred_onward = "referred_onward"
    confirmation_applied = "confirmation_applied"
    confirmation_accepted = "confirmation_accepted"  # the court accepted the application (受理)
    correction_requested = "correction_requested"  # the court asks for what is missing (补正)
    confirmed = "confirmed"
    confirmation_refused = "confirmation_refused"
    closed = "closed"


class Action(StrEnum):
    send = "send"
    accept = "accept"
    decline = "decline"
    expire = "expire"
    start_mediation = "start_mediation"
    resolve = "resolve"
    fail = "fail"
    withdraw = "withdraw"
    refer_onward = "refer_onward"
    apply_confirmation = "apply_confirmation"
    accept_application = "accept_application"
    request_correction = "request_correction"
    resubmit_application = "resubmit_application"
    confirm = "confirm"
    refuse_confirmation = "refuse_confirmation"
    reopen_mediation = "reopen_mediation"
    close = "close"


class Side(StrEnum):
    sender = "sender"
    receiver = "receiver"
    court = "court"  # the court the application for judicial confirmation is addressed to
    system = "system"


UNSENT = ""  # the state of a referral before its send: its row exists only inside the sending
OPEN = (State.sent, State.accepted, State.in_mediation)

# Judicial confirmation: the room applies (referrals.agreements.court), the court takes its own steps
# on its queue (referrals.court): accepts with its case number, asks for a correction that the room
# resubmits, confirms or refuses. After a refusal the room may mediate again (a new or changed
# agreement) or close the case. These steps are taken only through those forms, which check and
# record the application; as a plain action they would move the referral and leave it behind.
COURT_STEPS = frozenset(
    {
        Action.apply_confirmation,
        Action.accept_application,
        Action.request_correction,
        Action.resubmit_application,
        Action.confirm,
        Action.refuse_confirmation,
        Action.reopen_mediation,
    }
)
# While the court holds the application (applied, accepted, or waiting for the room's correction).
AT_COURT = (State.confirmation_applied, State.confirmation_accepted, State.correction_requested)

TRANSITIONS: dict[tuple[str, Action], State] = {
    (UNSENT, Action.send): State.sent,
    (State.sent, Action.accept): State.accepted,
    (State.sent, Action.decline): State.declined,
    (State.sent, Action.expire): State.expired,
    (State.accepted, Action.start_mediation): State.in_mediation,
    (State.in_mediation, Action.resolve): State.resolved,
    (State.in_mediation, Action.fail): State.failed,
    # Accepted but not yet begun: a party's refusal (People's Mediation Law art. 17) ends it too.
    (State.accepted, Action.fail): State.failed,
    **{(s, Action.withdraw): State.withdrawn for s in OPEN},
    **{(s, Action.refer_onward): State.referred_onward for s in OPEN},
    (State.resolved, Action.apply_confirmation): State.confirmation_applied,
    (State.confirmation_applied, Action.accept_application): State.confirmation_accepted,
    (State.confirmation_accepted, Action.request_correction): State.correction_requested,
    (State.correction_requested, Action.resubmit_application): State.confirmation_accepted,
    (State.confirmation_accepted, Action.confirm): State.confirmed,
    **{(s, Action.refuse_confirmation): State.confirmation_refused for s in AT_COURT},
    (State.confirmation_refused, Action.reopen_mediation): State.in_mediation,
    (State.resolved, Action.close): State.closed,
    (State.confirmed, Action.close): State.closed,
    (State.confirmation_refused, Action.close): State.closed,
}


@dataclass(frozen=True)
class ActionRule:
    side: Side
    needs_reason: bool = False


ACTIONS: dict[Action, ActionRule] = {
    Action.send: ActionRule(Side.sender),
    Action.accept: ActionRule(Side.receiver),
    Action.decline: ActionRule(Side.receiver, needs_reason=True),
    Action.expire: ActionRule(Side.system),
    Action.start_mediation: ActionRule(Side.receiver),
    Action.resolve: ActionRule(Side.receiver),
    Action.fail: ActionRule(Side.receiver, needs_reason=True),
    Action.withdraw: ActionRule(Side.sender, needs_reason=True),
    Action.refer_onward: ActionRule(Side.receiver, needs_reason=True),
    Action.apply_confirmation: ActionRule(Side.receiver),
    Action.accept_application: ActionRule(Side.court),
    Action.request_correction: ActionRule(Side.court, needs_reason=True),
    Action.resubmit_application: ActionRule(Side.receiver),
    Action.confirm: ActionRule(Side.court),
    Action.refuse_confirmation: ActionRule(Side.court, needs_reason=True),
    Action.reopen_mediation: ActionRule(Side.receiver, needs_reason=True),
    Action.close: ActionRule(Side.receiver),
}

# States in which the case is back with the sender, who may route it again.
RETURNED = frozenset({State.declined, State.expired, State.failed})


def may_send_again(last_state: str | None) -> bool:
    """The sender may route the case (again) when nothing was sent or it came back to them."""
    return last_state is None or last_state in RETURNED or last_state == State.withdrawn


TERMINAL = frozenset(s for s in State if not any(k[0] == s for k in TRANSITIONS))


class TransitionRefused(Exception):
    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} a referral in state {state}")
        self.state = state
        self.action = action


def apply(state: str, action: str) -> State:
    try:
        return TRANSITIONS[(state if state == UNSENT else State(state), Action(action))]
    except (KeyError, ValueError):
        raise TransitionRefused(state, action) from None


def allowed_actions(state: str) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == state]


def kind_of(action: Action) -> str:
    """What the audit log and the live notices call a move: ``referral.<action>``, and
    ``referral.sent`` for the first (as it always was)."""
    return "referral.sent" if action is Action.send else f"referral.{action}"


def is_open(state: str) -> bool:
    return state in OPEN
