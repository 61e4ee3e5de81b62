"""The pure parts of the referral pages, table-driven: a rule's conditions in words, which deadline
counts and its badge, the forms each side gets, and reading the intake and list forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.i18n import current_locale
from referrals import states
from referrals.cases import forms, party_forms, views
from referrals.cases.views import ASSIGN, EXTEND
from referrals.states import Side

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    token = current_locale.set("zh_CN")
    yield
    current_locale.reset(token)


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"name": "category", "expected": ["neighbour", "family"], "actual": "neighbour"}, "类别：邻里纠纷"),
        (
            {"name": "amount", "expected": ["100000", None], "actual": "250000.00"},
            "金额 ≥ 100000（本案：250000.00）",
        ),
        ({"name": "amount", "expected": [None, "5000"], "actual": None}, "金额 ≤ 5000（本案：—）"),
        ({"name": "amount", "expected": ["1", "5"], "actual": "3"}, "金额在 1 至 5 之间（本案：3）"),
        ({"name": "parties", "expected": [5, None], "actual": 6}, "当事人不少于 5 人（本案：6 人）"),
        (
            {"name": "flags", "expected": ["group_dispute"], "actual": ["group_dispute"]},
            "风险标记：群体性纠纷",
        ),
        ({"name": "area", "expected": [2], "actual": [7]}, "区域：幸福社区，属于 城关街道"),
    ],
)
def test_conditions_read_as_words(condition: dict[str, object], words: str) -> None:
    assert views.describe(condition, {2: "城关街道", 7: "幸福社区"}) == words


def test_an_explanation_names_its_rule_and_whether_it_was_overridden() -> None:
    explanation = {
        "rule_name": "兜底：司法局",
        "fallback": True,
        "conditions": [{"name": "area", "expected": [3], "actual": [9]}],
        "overridden_from": 12,
    }
    why = views.why(explanation, {})
    assert why.rule_name == "兜底：司法局" and why.fallback and why.overridden
    assert views.area_ids(explanation) == {3, 9}


@pytest.mark.parametrize(
    ("state", "accept", "mediation", "counts"),
    [
        ("sent", NOW, None, NOW),
        ("accepted", NOW, NOW + timedelta(days=3), NOW + timedelta(days=3)),
        ("in_mediation", NOW, NOW + timedelta(days=3), NOW + timedelta(days=3)),
        ("resolved", NOW, NOW + timedelta(days=3), None),
        ("declined", NOW, None, None),
    ],
)
def test_the_deadline_that_counts_follows_the_state(
    state: str, accept: datetime, mediation: datetime | None, counts: datetime | None
) -> None:
    assert views.current_due(state, accept, mediation) == counts


@pytest.mark.parametrize(
    ("due", "badge"),
    [
        (None, None),
        (NOW - timedelta(minutes=1), "overdue"),
        (NOW + timedelta(hours=2), "due_soon"),
        (NOW + timedelta(hours=24), "due_soon"),
        (NOW + timedelta(hours=25), None),
    ],
)
def test_badges(due: datetime | None, badge: str | None) -> None:
    assert views.badge(due, NOW) == badge


@pytest.mark.parametrize(
    ("hours_left", "badge"),
    [
        (24, None),  # just sent, 24 hours to accept: not "due soon" (the issue: every new case was)
        (7, None),
        (6, "due_soon"),  # the acceptance window is a quarter of the 24 hours allowed
        (1, "due_soon"),
        (-1, "overdue"),
    ],
)
def test_acceptance_is_due_soon_only_inside_its_warning_window(hours_left: int, badge: str | None) -> None:
    assert views.badge(NOW + timedelta(hours=hours_left), NOW, step=views.step_of("sent")) == badge
    rows = views.deadline_rows("sent", NOW + timedelta(hours=hours_left), None, NOW)
    assert [(r.kind, r.badge) for r in rows] == [("accept", badge)]


def test_only_the_live_deadline_gets_a_badge() -> None:
    rows = views.deadline_rows("accepted", NOW - timedelta(days=2), NOW + timedelta(hours=1), NOW)
    assert [(r.kind, r.badge) for r in rows] == [("accept", None), ("mediation", "due_soon")]


@pytest.mark.parametrize(
    ("state", "sides", "forms"),
    [
        ("sent", {Side.receiver}, ["accept", "decline", "refer_onward"]),
        ("sent", {Side.sender}, ["withdraw"]),
        ("accepted", {Side.receiver}, [ASSIGN, "start_mediation", "fail", "refer_onward", EXTEND]),
        ("in_mediation", {Side.receiver}, [ASSIGN, "resolve", "fail", "refer_onward", EXTEND]),
        ("in_mediation", {Side.sender}, ["withdraw"]),
        # The court's steps have their own forms on the agreement's page, not plain buttons.
        ("resolved", {Side.receiver}, ["close"]),
        ("confirmation_applied", {Side.receiver}, []),
        ("resolved", {Side.sender}, []),
        ("declined", {Side.sender, Side.receiver}, []),
    ],
)
def test_each_side_gets_its_own_forms(state: str, sides: set[Side], forms: list[str]) -> None:
    assert [o.action for o in views.offers(state, sides)] == forms


@pytest.mark.parametrize(
    ("last", "may"),
    [
        (None, True),
        ("declined", True),
        ("expired", True),
        ("failed", True),
        ("withdrawn", True),
        ("sent", False),
        ("in_mediation", False),
        ("resolved", False),
        ("closed", False),
    ],
)
def test_the_sender_may_route_again_only_when_the_case_came_back(last: str | None, may: bool) -> None:
    assert states.may_send_again(last) is may


def test_areas_are_indented_by_level() -> None:
    assert views.indented("village", "幸福社区") == "\u3000\u3000幸福社区"


# --- forms ----------------------------------------------------------------------------------


def raw(**fields: object) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [str(v)] for k, v in fields.items()}  # type: ignore[misc]


def test_the_intake_form_always_shows_two_party_rows_and_keeps_extra_ones() -> None:
    assert len(forms.intake_values(raw())["parties"]) == 2
    values = forms.intake_values(
        raw(party_name=["甲", "乙", "丙"], party_role=["applicant", "respondent", "third_party"])
    )
    assert [p["name"] for p in values["parties"]] == ["甲", "乙", "丙"]
    assert values["parties"][2] == party_forms.blank("third_party", name="丙")


def test_the_body_leaves_out_empty_rows_and_remembers_where_the_others_were() -> None:
    values = forms.intake_values(
        raw(
            party_name=["", "乙"],
            party_role=["applicant", "respondent"],
            consent_by="乙",
            consent_at="2026-11-28T09:30",
            consent_method="written",
        )
    )
    checked = forms.case_body(values, SHANGHAI)
    assert checked.body["parties"] == [{"role": "respondent", "kind": "person", "name": "乙"}]
    assert checked.rows == [1]
    assert checked.body["consent"]["at"] == "2026-11-28T09:30:00+08:00"
    assert forms.form_key(("parties", 0, "name"), checked.rows) == "parties.1.name"


def test_half_given_consent_is_refused() -> None:
    checked = forms.case_body(forms.intake_values(raw(consent_by="甲", consent_at="yesterday")), SHANGHAI)
    assert checked.errors == {"consent.method": "请填写此项。", "consent.at": "请输入日期和时间。"}


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ({"type": "missing", "loc": ("summary",)}, "请填写此项。"),
        ({"type": "string_pattern_mismatch", "loc": ("parties", 0, "phone")}, "只能填写数字、空格、+ 和 -。"),
        (
            {"type": "string_too_long", "loc": ("address",), "ctx": {"max_length": 200}},
            "太长了：最多 200 个字符。",
        ),
        ({"type": "enum", "loc": ("category",)}, "请从选项中选择。"),
        ({"type": "something_new", "loc": ("x",)}, "此项填写有误。"),
    ],
)
def test_problems_in_words(error: dict[str, object], words: str) -> None:
    assert forms.problem(error) == words


@pytest.mark.parametrize(
    ("key", "name"),
    [("summary", "简要案情"), ("parties.0.id_number", "当事人 1：身份证号"), ("consent.at", "同意时间")],
)
def test_field_names(key: str, name: str) -> None:
    assert forms.field_name(key) == name


@pytest.mark.parametrize(
    ("fields", "filters"),
    [
        ({}, forms.ListFilters()),
        (
            {"state": "sent", "category": "family", "q": " 王 ", "overdue": "1", "page": "3"},
            forms.ListFilters("sent", "family", "王", True, 3),
        ),
        ({"state": "nonsense", "category": "x", "page": "-1"}, forms.ListFilters()),
    ],
)
def test_list_filters_ignore_what_they_do_not_know(
    fields: dict[str, str], filters: forms.ListFilters
) -> None:
    assert forms.list_filters(raw(**fields)) == filters


def test_list_links_keep_the_filters() -> None:
    f = forms.ListFilters(category="family", overdue=True, page=2)
    assert f.query(3) == {"category": "family", "overdue": "1", "page": "3"}


def test_areas_are_grouped_by_town_with_villages_and_their_grids() -> None:
    from types import SimpleNamespace as A

    areas = [
        A(id=1, name="青川区", level="district", parent_id=None),
        A(id=2, name="城关街道", level="town", parent_id=1),
        A(id=3, name="幸福社区", level="village", parent_id=2),
        A(id=4, name="第一网格", level="grid", parent_id=3),
        A(id=5, name="河口镇", level="town", parent_id=1),
        A(id=6, name="河口村", level="village", parent_id=5),
    ]
    groups = views.area_groups(areas)
    assert [(g.label, g.options) for g in groups] == [
        ("", [(1, "青川区")]),
        ("城关街道", [(2, "城关街道"), (3, "\u3000幸福社区"), (4, "\u3000\u3000幸福社区 · 第一网格")]),
        ("河口镇", [(5, "河口镇"), (6, "\u3000河口村")]),
    ]
