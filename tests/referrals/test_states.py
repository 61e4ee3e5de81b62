"""The state machine, tested exhaustively from its table."""

import itertools

import pytest

from referrals import states
from referrals.states import ACTIONS, TRANSITIONS, Action, State, TransitionRefused


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_every_allowed_move_leads_where_the_table_says(state: State, action: Action) -> None:
    assert states.apply(state, action) == TRANSITIONS[(state, action)]


REFUSED = [(s, a) for s, a in itertools.product(State, Action) if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_move_is_refused_with_a_named_error(state: State, action: Action) -> None:
    with pytest.raises(TransitionRefused, match=f"cannot {action} a referral in state {state}"):
        states.apply(state, action)


def test_unknown_states_and_actions_are_refused() -> None:
    with pytest.raises(TransitionRefused):
        states.apply("flying", "accept")
    with pytest.raises(TransitionRefused):
        states.apply("sent", "teleport")


def test_the_table_matches_the_design() -> None:
    assert {a for (s, a) in TRANSITIONS if s is State.sent} == {
        Action.accept,
        Action.decline,
        Action.expire,
        Action.withdraw,
        Action.refer_onward,
    }
    for open_state in states.OPEN:
        assert states.apply(open_state, Action.withdraw) is State.withdrawn
        assert states.apply(open_state, Action.refer_onward) is State.referred_onward
    assert states.apply(State.confirmed, Action.close) is State.closed
    assert states.TERMINAL == {
        State.declined,
        State.expired,
        State.failed,
        State.withdrawn,
        State.referred_onward,
        State.closed,
    }


def test_every_action_says_who_takes_it() -> None:
    assert set(ACTIONS) == set(Action)
    assert ACTIONS[Action.withdraw].side is states.Side.sender
    assert ACTIONS[Action.expire].side is states.Side.system
    assert all(ACTIONS[a].needs_reason for a in (Action.decline, Action.fail, Action.withdraw))


def test_sending_is_the_first_move_of_the_table() -> None:
    assert states.apply(states.UNSENT, Action.send) is State.sent
    assert ACTIONS[Action.send].side is states.Side.sender
    assert [a for a in states.allowed_actions(states.UNSENT)] == [Action.send]
    assert states.kind_of(Action.send) == "referral.sent"
    assert states.kind_of(Action.accept) == "referral.accept"
