from decimal import Decimal

import pytest

from referrals.routing.rules import (
    TARGET_AGENCY,
    TARGET_STATIONED_ROOM,
    CaseFacts,
    NoRoute,
    RuleSpec,
    decide,
    dry_run,
)

ROOM, LABOUR, JB = 50, 60, 70
RULES = [
    RuleSpec(1, "labour", 10, TARGET_AGENCY, LABOUR, categories=("labour",)),
    RuleSpec(2, "big group", 5, TARGET_AGENCY, JB, flags_all=("group_dispute",), parties_min=5),
    RuleSpec(
        3, "big contract", 20, TARGET_AGENCY, JB, categories=("contract",), amount_min=Decimal("100000")
    ),
    RuleSpec(4, "town 7", 30, TARGET_AGENCY, JB, area_ids=(7,)),
    RuleSpec(9, "fallback room", 1, TARGET_STATIONED_ROOM, is_fallback=True),
    RuleSpec(10, "fallback bureau", 2, TARGET_AGENCY, JB, is_fallback=True),
]


def facts(
    category: str = "neighbour",
    area: tuple[int, ...] = (3, 1),
    amount: str | None = None,
    parties: int = 2,
    flags: frozenset[str] = frozenset(),
) -> CaseFacts:
    return CaseFacts(category, area, Decimal(amount) if amount else None, parties, flags)


def test_first_match_by_priority_wins_and_says_why() -> None:
    decision = decide(facts("labour", parties=6, flags=frozenset({"group_dispute"})), RULES, ROOM)
    assert decision.rule.name == "big group" and decision.target_agency_id == JB
    names = [c.name for c in decision.conditions]
    assert names == ["parties", "flags"]


def test_amount_bounds_are_inclusive_and_a_missing_amount_does_not_match() -> None:
    assert decide(facts("contract", amount="100000"), RULES, ROOM).rule.name == "big contract"
    assert decide(facts("contract", amount="99999.99"), RULES, ROOM).rule.is_fallback
    assert decide(facts("contract"), RULES, ROOM).rule.is_fallback


def test_an_area_rule_matches_the_sub_areas() -> None:
    assert decide(facts(area=(71, 7, 1)), RULES, ROOM).rule.name == "town 7"


def test_fallback_goes_to_the_stationed_room_or_else_the_next_fallback() -> None:
    assert decide(facts(), RULES, ROOM).target_agency_id == ROOM
    assert decide(facts(), RULES, None).target_agency_id == JB


def test_without_any_usable_rule_there_is_no_route() -> None:
    with pytest.raises(NoRoute):
        decide(facts(), [RULES[0]], ROOM)


def test_inactive_rules_are_skipped() -> None:
    rules = [RuleSpec(1, "labour", 10, TARGET_AGENCY, LABOUR, categories=("labour",), active=False), RULES[5]]
    assert decide(facts("labour"), rules, ROOM).target_agency_id == JB


def test_a_rule_refuses_an_empty_range_or_a_missing_target() -> None:
    with pytest.raises(ValueError):
        RuleSpec(1, "x", 1, TARGET_AGENCY, None)
    with pytest.raises(ValueError):
        RuleSpec(1, "x", 1, TARGET_AGENCY, 5, amount_min=Decimal(10), amount_max=Decimal(1))


def test_dry_run_lists_only_the_cases_whose_target_changes() -> None:
    cases = [(1, facts("labour"), ROOM), (2, facts("neighbour"), ROOM)]
    proposed = [RuleSpec(1, "labour to JB", 10, TARGET_AGENCY, JB, categories=("labour",)), *RULES[4:]]
    changes = dry_run(cases, RULES, proposed)
    assert [(c.case_id, c.before, c.after) for c in changes] == [(1, LABOUR, JB)]


def test_an_area_path_runs_from_the_cell_up_to_the_district_and_stops_at_a_loop() -> None:
    from referrals.routing.proposal import path_in

    parents = {4: 3, 3: 2, 2: 1, 1: None, 8: 9, 9: 8}
    assert path_in(parents, 4) == (4, 3, 2, 1)
    assert path_in(parents, None) == ()
    assert path_in(parents, 8) == (8, 9)  # a loop in bad data ends instead of spinning
