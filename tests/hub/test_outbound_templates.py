"""Message templates: a fixed registry whose placeholders each have a kind and a maximum length;
parameters outside it are refused, so no message carries free text."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.outbound import registry, templates
from hub.outbound.templates import Field, Kind, ParamsRefused, Template, Wording

SHANGHAI = ZoneInfo("Asia/Shanghai")
INVITATION = {
    "agency": "城关派出所驻所调解室",
    "start": datetime(2026, 12, 8, 6, 30, tzinfo=UTC),
    "link": "https://hub.qingchuan.example/join/AbCdEf0123456789",
}


def test_an_invitation_reads_in_chinese_with_the_time_in_shanghai() -> None:
    template = registry.get("party.video_invitation")
    stored = templates.check(template, INVITATION)
    rendered = templates.render(template, stored, "zh_CN", SHANGHAI)
    assert rendered.text == (
        "您好，城关派出所驻所调解室邀请您于2026年12月8日 14:30参加视频调解。"
        "届时请点击链接进入（仅限本人使用，请勿转发）：https://hub.qingchuan.example/join/AbCdEf0123456789"
    )
    assert rendered.title == "视频调解邀请"
    english = templates.render(template, stored, "en", SHANGHAI)
    assert "2026-12-08 14:30" in english.text and english.text.startswith("Hello")


def test_stored_parameters_are_plain_json_and_check_again_to_themselves() -> None:
    template = registry.get("party.video_invitation")
    stored = templates.check(template, INVITATION)
    assert stored["start"] == "2026-12-08T06:30+00:00"
    assert templates.check(template, stored) == stored


@pytest.mark.parametrize(
    ("change", "param", "reason"),
    [
        ({"case_summary": "邻里纠纷，张三打伤李四"}, "case_summary", "not declared"),
        ({"agency": None}, "agency", "must be text"),
        ({"agency": ""}, "agency", "is empty"),
        ({"agency": "某" * 25}, "agency", "longer than 24"),
        ({"agency": "调解室\n请速汇款至"}, "agency", "control characters"),
        ({"agency": "见 http://evil.example"}, "agency", "not a name"),
        ({"start": datetime(2026, 12, 8, 14, 30)}, "start", "with its zone"),
        ({"start": "tomorrow"}, "start", "ISO 8601"),
        ({"link": "javascript:alert(1)"}, "link", "http(s)"),
        ({"link": "https://user:pw@hub.example/join/x"}, "link", "http(s)"),
        ({"link": "https://hub.example/join/x 点此"}, "link", "http(s)"),
    ],
)
def test_it_refuses_what_the_template_does_not_declare_or_allow(
    change: dict, param: str, reason: str
) -> None:
    params = {**INVITATION, **change}
    with pytest.raises(ParamsRefused) as refused:
        templates.check(registry.get("party.video_invitation"), params)
    assert refused.value.param == param and reason in refused.value.reason


def test_a_missing_parameter_is_named() -> None:
    params = {k: v for k, v in INVITATION.items() if k != "link"}
    with pytest.raises(ParamsRefused, match="link: is missing"):
        templates.check(registry.get("party.video_invitation"), params)


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        (
            "party.followup_visit",
            {"agency": "青川区人民调解委员会", "date": date(2027, 1, 5), "phone": "0571-6110-0110"},
            "您好，青川区人民调解委员会将于2027年1月5日就调解协议的履行情况对您进行回访。如有疑问请致电0571-6110-0110。",
        ),
        (
            "staff.court_outcome",
            {"case_number": "QC2026-000123", "outcome": "refused", "link": "https://hub.example/cases/12"},
            "人民法院对案件QC2026-000123的司法确认申请已裁定不予确认：https://hub.example/cases/12",
        ),
        (
            "staff.deadline_soon",
            {
                "case_number": "QC2026-000007",
                "step": "acceptance",
                "deadline": "2026-12-08T02:00:00+00:00",
                "link": "https://hub.example/cases/7",
            },
            "案件QC2026-000007的受理期限将于2026年12月8日 10:00届满，请及时处理：https://hub.example/cases/7",
        ),
    ],
)
def test_each_kind_is_written_as_people_read_it(template: str, params: dict, expected: str) -> None:
    chosen = registry.get(template)
    assert templates.render(chosen, templates.check(chosen, params), "zh_CN", SHANGHAI).text == expected


def test_a_choice_accepts_only_its_values() -> None:
    params = {"case_number": "QC2026-000123", "outcome": "maybe", "link": "https://hub.example/cases/12"}
    with pytest.raises(ParamsRefused, match="outcome"):
        templates.check(registry.get("staff.court_outcome"), params)


def test_links_are_cut_to_their_site_in_the_log() -> None:
    template = registry.get("party.video_invitation")
    kept = templates.redact(template, templates.check(template, INVITATION))
    assert kept["link"] == "https://hub.qingchuan.example/…" and kept["agency"] == INVITATION["agency"]


def test_a_link_to_a_page_of_the_hub_is_a_path_completed_with_the_site_when_sent() -> None:
    template = registry.get("staff.court_outcome")
    stored = templates.check(
        template, {"case_number": "QC2026-000041", "outcome": "confirmed", "link": "/cases/41"}
    )
    assert templates.redact(template, stored)["link"] == "/cases/41"  # no secret in it: kept as it is
    text = templates.render(
        template, stored, "zh_CN", ZoneInfo("Asia/Shanghai"), "https://hub.qc.example/"
    ).text
    assert text.endswith("已裁定确认：https://hub.qc.example/cases/41")


@pytest.mark.parametrize(
    "link", ["//evil.example/cases/1", "/cases/1?next=//evil", "/cases/1#x", "/cases/ 1"]
)
def test_a_path_is_a_plain_path_of_the_hub(link: str) -> None:
    params = {"case_number": "QC2026-000041", "outcome": "refused", "link": link}
    with pytest.raises(ParamsRefused, match="link"):
        templates.check(registry.get("staff.court_outcome"), params)


@pytest.mark.parametrize("code", sorted(registry.TEMPLATES))
def test_every_template_fits_in_three_sms_parts_in_chinese(code: str) -> None:
    # A Chinese SMS part holds 67 characters once concatenated; three parts is what gateways bill
    # as one notice. Each template's longest possible text stays within that.
    template = registry.get(code)
    assert templates.longest(template, "zh_CN") <= 3 * 67


def test_a_template_must_use_exactly_its_fields() -> None:
    agency = Field("agency", Kind.name, 10)
    with pytest.raises(ValueError, match="every field"):
        Template("x", (agency,), Wording("t", "没有占位符"), Wording("t", "{agency}"))
    with pytest.raises(ValueError, match="only plain"):
        Template("x", (agency,), Wording("t", "{agency!r}"), Wording("t", "{agency}"))
    with pytest.raises(ValueError, match="choices"):
        Field("step", Kind.choice, 10)


@given(st.text(max_size=40))
def test_no_name_that_passes_carries_a_line_break_or_an_address(value: str) -> None:
    field = Field("agency", Kind.name, 30)
    try:
        stored = templates.check_value("t", field, value)
    except ParamsRefused:
        return
    assert "\n" not in stored and "://" not in stored and "/" not in stored and len(stored) <= 30


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_any_instant_round_trips_to_the_minute(instant: datetime) -> None:
    stored = templates.check_value("t", Field("start", Kind.datetime, 40), instant)
    assert datetime.fromisoformat(stored) == instant.replace(second=0, microsecond=0)
