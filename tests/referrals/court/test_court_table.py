"""The court's side of the state table and its clocks, pure: who takes each step, where it leads,
what is refused; 3 days to accept, 15 (25 with an approval) to decide, warnings before the last day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from referrals import states
from referrals.court.clock import WARN_DAYS, court_clock
from referrals.states import ACTIONS, Action, Side, State, TransitionRefused

COURT_PATH = [
    (State.resolved, Action.apply_confirmation, Side.receiver, State.confirmation_applied),
    (State.confirmation_applied, Action.accept_application, Side.court, State.confirmation_accepted),
    (State.confirmation_accepted, Action.request_correction, Side.court, State.correction_requested),
    (State.correction_requested, Action.resubmit_application, Side.receiver, State.confirmation_accepted),
    (State.confirmation_accepted, Action.confirm, Side.court, State.confirmed),
    (State.confirmation_applied, Action.refuse_confirmation, Side.court, State.confirmation_refused),
    (State.confirmation_accepted, Action.refuse_confirmation, Side.court, State.confirmation_refused),
    (State.correction_requested, Action.refuse_confirmation, Side.court, State.confirmation_refused),
    (State.confirmation_refused, Action.reopen_mediation, Side.receiver, State.in_mediation),
    (State.confirmation_refused, Action.close, Side.receiver, State.closed),
]


@pytest.mark.parametrize(("state", "action", "side", "after"), COURT_PATH)
def test_each_court_step_is_taken_by_its_side_and_leads_where_the_table_says(
    state: State, action: Action, side: Side, after: State
) -> None:
    assert states.apply(state, action) is after
    assert ACTIONS[action].side is side


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.confirmation_applied, Action.confirm),  # accepted first
        (State.confirmation_applied, Action.request_correction),
        (State.correction_requested, Action.confirm),  # the correction comes back first
        (State.confirmed, Action.refuse_confirmation),
        (State.confirmed, Action.reopen_mediation),
        (State.resolved, Action.accept_application),
    ],
)
def test_a_court_step_in_the_wrong_state_is_refused(state: State, action: Action) -> None:
    with pytest.raises(TransitionRefused):
        states.apply(state, action)


def test_the_steps_that_need_words_say_so_and_none_is_a_plain_action() -> None:
    for action in (Action.request_correction, Action.refuse_confirmation, Action.reopen_mediation):
        assert ACTIONS[action].needs_reason
    assert all(a in states.COURT_STEPS for _s, a, _side, _after in COURT_PATH if a is not Action.close)
    # No court step is left to the receiving room any more.
    assert {a for a, rule in ACTIONS.items() if rule.side is Side.court} == {
        Action.accept_application,
        Action.request_correction,
        Action.confirm,
        Action.refuse_confirmation,
    }


MONDAY = date(2026, 11, 2)


def test_the_court_has_three_days_to_accept() -> None:
    clock = court_clock(received=MONDAY, accepted=None, extended=False, decided=False, today=MONDAY)
    assert clock is not None and clock.kind == "acceptance"
    assert clock.deadline == MONDAY + timedelta(days=3) and clock.status == "soon"


def test_the_decision_clock_runs_fifteen_days_and_twenty_five_with_an_approval() -> None:
    accepted = MONDAY
    plain = court_clock(received=accepted, accepted=accepted, extended=False, decided=False, today=accepted)
    longer = court_clock(received=accepted, accepted=accepted, extended=True, decided=False, today=accepted)
    assert plain is not None and longer is not None
    assert plain.deadline == date(2026, 11, 17) and plain.status == "ok"
    assert longer.deadline == date(2026, 11, 27) and longer.extended


@pytest.mark.parametrize(
    ("days_after", "status"),
    [
        (0, "ok"),
        (15 - WARN_DAYS - 1, "ok"),
        (15 - WARN_DAYS, "soon"),
        (15, "soon"),
        (16, "expired"),
        (27, "expired"),
    ],
)
def test_the_clock_warns_before_the_last_day_and_after(days_after: int, status: str) -> None:
    clock = court_clock(
        received=MONDAY,
        accepted=MONDAY,
        extended=False,
        decided=False,
        today=MONDAY + timedelta(days=days_after),
    )
    assert clock is not None and clock.status == status


def test_no_clock_runs_once_the_court_decided() -> None:
    assert court_clock(received=MONDAY, accepted=MONDAY, extended=False, decided=True, today=MONDAY) is None
