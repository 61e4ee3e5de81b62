"""Charts are plain SVG: well-formed, escaped, and free of style attributes (the CSP forbids them)."""

from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from referrals.stats.charts import Series, bar_chart, line_chart, nice_max

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "bound"),
    [(0, 1), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (0.3, 0.5), (450, 500), (1200, 2000)],
)
def test_axes_end_on_a_round_number(value: float, bound: float) -> None:
    assert nice_max(value) == pytest.approx(bound)


def test_a_bar_chart_has_one_bar_per_item_and_escapes_its_labels() -> None:
    svg = bar_chart(
        [("邻里纠纷", 5), ('<script>alert("x")</script>', 2), ("A & B", 0)], title="按类别 <受理>"
    )
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}rect")) == 3
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "邻里纠纷" in texts and '<script>alert("x")</script>' in texts


def test_an_empty_bar_chart_says_so() -> None:
    root = ElementTree.fromstring(bar_chart([], title="t", empty="本期无案件"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["本期无案件"]


def test_a_line_chart_draws_one_line_per_series_with_a_legend() -> None:
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    svg = line_chart(days, [Series("受理", tuple(range(30))), Series("化解", (1,) * 30)], title="按日")
    root = ElementTree.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points", "").split()) == 30 for line in lines)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "受理" in texts and "化解" in texts and "11-01" in texts
    assert "style=" not in svg


def test_a_line_chart_of_one_day_or_of_nothing_still_draws() -> None:
    ElementTree.fromstring(line_chart([date(2026, 11, 1)], [Series("s", (0,))], title="t"))
    ElementTree.fromstring(line_chart([], [], title="t"))


def test_a_series_must_match_the_days() -> None:
    with pytest.raises(ValueError):
        line_chart([date(2026, 11, 1)], [Series("s", (1, 2))], title="t")
