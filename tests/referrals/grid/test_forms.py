"""The phone form read as plain values: what it takes, what it refuses, field by field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from referrals.grid.forms import read

GRIDS = {7, 8}


def fields(**changes: str | list[str]) -> dict[str, list[str]]:
    base: dict[str, str | list[str]] = {
        "kind": "hidden_risk",
        "urgency": "urgent",
        "category": "neighbour",
        "summary": "院墙滴水，两户争执。",
        "grid_id": "7",
        "address": "3组12号",
        "party_name": ["周桂兰", "", "吴德明"],
        "party_phone": ["13605710041", "", ""],
    }
    base.update(changes)
    return {k: v if isinstance(v, list) else [v] for k, v in base.items()}


def test_a_complete_report_is_read_with_its_parties_in_order() -> None:
    checked = read(fields(latitude="30.2741", longitude="120.1552", accuracy="18.4"), GRIDS)
    assert checked.errors == {} and checked.data is not None
    data = checked.data
    assert (data.kind, data.urgency, data.grid_id) == ("hidden_risk", "urgent", 7)
    assert data.parties == (("周桂兰", "13605710041"), ("吴德明", ""))
    assert (data.latitude, data.longitude, data.accuracy_m) == (
        Decimal("30.274100"),
        Decimal("120.155200"),
        18,
    )
    assert data.consented is False and data.flags == frozenset()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "rumour"}, "kind"),
        ({"urgency": "soon"}, "urgency"),
        ({"category": ""}, "category"),
        ({"summary": "  "}, "summary"),
        ({"summary": "字" * 2001}, "summary"),
        ({"grid_id": "9"}, "grid_id"),  # not one of the worker's grids
        ({"grid_id": "x"}, "grid_id"),
        ({"latitude": "91", "longitude": "120"}, "latitude"),
        ({"latitude": "30.1"}, "latitude"),  # one without the other
        ({"latitude": "nan", "longitude": "nan"}, "latitude"),
        (
            {"party_name": ["", "周桂兰"], "party_phone": ["13605710041", ""]},
            "party_name",
        ),  # a phone, no name
        ({"consented": "on", "party_name": [], "party_phone": []}, "consented"),
    ],
)
def test_it_refuses_what_is_missing_or_wrong(changes: dict[str, str | list[str]], field: str) -> None:
    checked = read(fields(**changes), GRIDS)
    assert field in checked.errors and checked.data is None


def test_flags_and_consent_are_checkboxes() -> None:
    checked = read(fields(flag_violence_risk="on", flag_minor_criminal="on", consented="on"), GRIDS)
    assert checked.data is not None
    assert checked.data.flags == frozenset({"violence_risk"}) and checked.data.consented
    assert checked.values["flag_violence_risk"] == "on"
