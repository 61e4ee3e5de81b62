"""Which moves send word beyond the hub: the tables read as the issue asks (accepted, declined,
settled, closed to the police systems; new referrals and court outcomes to staff), and every row
names a real action, event and template."""

from datetime import timedelta

import pytest

from hub.outbound import TEMPLATES, WEBHOOK_EVENTS
from hub.outbound.templates import check_value
from referrals import states, word_back


@pytest.mark.parametrize(
    ("action", "event"),
    [
        ("accept", "referral.accepted"),
        ("decline", "referral.declined"),
        ("resolve", "referral.resolved"),
        ("close", "referral.closed"),
        ("send", None),
        ("expire", None),
        ("fail", None),
        ("withdraw", None),
        ("refer_onward", None),
        ("start_mediation", None),
        ("confirm", None),
        ("a_state_added_later", None),
    ],
)
def test_the_police_system_hears_of_acceptance_decline_settlement_and_closing(
    action: str, event: str | None
) -> None:
    assert word_back.webhook_event(action) == event


def test_each_event_leads_to_the_state_it_names() -> None:
    for action, event in word_back.WEBHOOK_EVENTS.items():
        target = {t for (_, a), t in states.TRANSITIONS.items() if a == action}
        assert event in WEBHOOK_EVENTS and {f"referral.{t}" for t in target} == {event}


@pytest.mark.parametrize(
    ("action", "template", "outcome"),
    [
        ("send", "staff.new_referral", ""),
        ("confirm", "staff.court_outcome", "confirmed"),
        ("refuse_confirmation", "staff.court_outcome", "refused"),
    ],
)
def test_staff_hear_of_new_referrals_and_court_outcomes(action: str, template: str, outcome: str) -> None:
    notice = word_back.staff_notice(action)
    assert notice is not None and (notice.template, notice.outcome) == (template, outcome)
    assert notice.template in TEMPLATES
    if outcome:
        assert outcome in TEMPLATES[template].field("outcome").choices


def test_staff_notices_name_real_actions_only() -> None:
    assert set(word_back.STAFF_NOTICES) <= {a.value for a in states.Action}
    assert word_back.staff_notice("accept") is None


@pytest.mark.parametrize(
    ("step", "soon", "accept", "before"),
    [
        ("acceptance", 24, 24, timedelta(hours=6)),  # not "soon" the moment it arrives
        ("acceptance", 2, 24, timedelta(hours=2)),
        ("acceptance", 24, 2, timedelta(hours=1)),
        ("mediation", 24, 24, timedelta(hours=24)),
        ("mediation", 72, 24, timedelta(hours=72)),
    ],
)
def test_how_long_before_a_deadline_people_are_told(
    step: str, soon: int, accept: int, before: timedelta
) -> None:
    assert word_back.warn_before(step, soon, accept) == before


@pytest.mark.parametrize(
    ("name", "fitted"),
    [
        ("城关派出所", "城关派出所"),
        (
            "青川区城关派出所驻所人民调解工作室（第一）再加一些很长很长的字",
            "青川区城关派出所驻所人民调解工作室（第一）再加一",
        ),
        ("A“B”、C_D", "A B C D"),
    ],
)
def test_a_name_is_fitted_to_what_the_template_takes(name: str, fitted: str) -> None:
    assert word_back.fit(name, 24) == fitted
    template = TEMPLATES["staff.new_referral"]
    assert check_value(template.code, template.field("agency"), fitted) == fitted


@pytest.mark.parametrize(
    ("event", "hops_up", "reaches"),
    [
        ("referral.declined", 0, True),
        ("referral.declined", 1, False),  # back with the body that passed it on, not the station
        ("referral.accepted", 1, True),
        ("referral.resolved", 2, True),
        ("referral.closed", 1, True),
    ],
)
def test_an_onward_referral_s_settlement_reaches_the_station_up_the_chain(
    event: str, hops_up: int, reaches: bool
) -> None:
    assert word_back.reaches(event, hops_up) is reaches
