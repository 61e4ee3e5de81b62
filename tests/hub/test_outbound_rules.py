"""The pure rules of delivery: backoff, what an answer means, the per-number window, signatures,
and mobile numbers."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.outbound import contact, signing
from hub.outbound.retries import RetryPolicy, Verdict, next_free, parse_retry_after, verdict_for_status
from tests.support.outbound import check_signature

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_seconds=30, max_attempts=6, cap_seconds=3600)


@pytest.mark.parametrize(
    ("attempt", "jitter", "seconds"),
    [
        (1, 0.0, 15.0),  # half of 30 s fixed ...
        (1, 0.999999, 29.99997),  # ... up to the whole
        (2, 0.0, 30.0),
        (3, 0.5, 90.0),  # 120 s: 60 fixed + 30
        (7, 0.0, 960.0),  # 30 * 2**6 = 1920
        (8, 0.0, 1800.0),  # 3840, capped at 3600
        (40, 0.0, 1800.0),  # far beyond: still the cap
    ],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt: int, jitter: float, seconds: float) -> None:
    assert POLICY.delay(attempt, jitter) == pytest.approx(seconds)


def test_after_the_last_attempt_there_is_no_next_one() -> None:
    assert POLICY.after_failure(5, 0.0) == 240.0
    assert POLICY.after_failure(6, 0.0) is None


def test_a_retry_after_lengthens_the_wait_but_never_beyond_the_cap() -> None:
    assert POLICY.after_failure(1, 0.0, retry_after=120) == 120
    assert POLICY.after_failure(1, 0.0, retry_after=5) == 15
    assert POLICY.after_failure(1, 0.0, retry_after=10**6) == 3600


@given(st.integers(1, 60), st.floats(0, 1, exclude_max=True))
def test_every_wait_lies_between_half_and_all_of_its_step(attempt: int, jitter: float) -> None:
    full = min(3600, 30 * 2 ** (attempt - 1))
    assert full / 2 <= POLICY.delay(attempt, jitter) <= full


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.sent),
        (202, Verdict.sent),
        (204, Verdict.sent),
        (301, Verdict.dead),
        (400, Verdict.dead),
        (401, Verdict.dead),
        (404, Verdict.dead),
        (408, Verdict.retry),
        (409, Verdict.dead),
        (422, Verdict.dead),
        (425, Verdict.retry),
        (429, Verdict.retry),
        (500, Verdict.retry),
        (502, Verdict.retry),
        (503, Verdict.retry),
    ],
)
def test_what_an_answer_means(status: int, verdict: Verdict) -> None:
    assert verdict_for_status(status) is verdict


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        ("Mon, 07 Dec 2026 02:01:00 GMT", 60.0),
        ("Mon, 07 Dec 2026 01:00:00 GMT", 0.0),
        ("soon", None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(
    ("minutes_ago", "limit", "free_in_minutes"),
    [
        ([], 5, None),
        ([10, 20, 30, 40], 5, None),
        ([10, 20, 30, 40, 50], 5, 10),  # the oldest (50 min ago) leaves the hour in 10 min
        ([10, 20, 30, 40, 50, 70], 5, 10),  # older than the hour: not counted
        ([1, 2, 3, 4, 5, 6, 7], 5, 55),  # seven inside (a burst): room once three have left
        ([59], 1, 1),
    ],
)
def test_a_number_waits_for_room_in_its_hour(
    minutes_ago: list[int], limit: int, free_in_minutes: int | None
) -> None:
    recent = [NOW - timedelta(minutes=m) for m in minutes_ago]
    free = next_free(recent, NOW, limit, timedelta(hours=1))
    assert free == (None if free_in_minutes is None else NOW + timedelta(minutes=free_in_minutes))
    if free is not None:
        assert next_free(recent, free, limit, timedelta(hours=1)) is None


def test_a_signature_is_hmac_sha256_over_the_time_and_the_body() -> None:
    body = b'{"id":"a1","state":"accepted"}'
    header = signing.header(["whsec_one"], 1796608800, body)
    assert header == "t=1796608800,v1=" + signing.signature("whsec_one", 1796608800, body)
    assert signing.verify(header, body, "whsec_one", now=1796608800 + 299) == 1796608800
    # The tests' receiver, written from the documentation alone, agrees.
    assert check_signature(header, body, ["whsec_one"], now=1796608800) is None


@pytest.mark.parametrize(
    ("header", "body", "now", "reason"),
    [
        ("t=1796608800,v1=" + "0" * 64, b"{}", 1796608800, "mismatch"),
        (None, b'{"id":"changed"}', 1796608800, "mismatch"),
        (None, b"{}", 1796608800 + 301, "stale"),
        (None, b"{}", 1796608800 - 301, "stale"),
        ("v1=abc", b"{}", 1796608800, "malformed"),
        ("t=soon,v1=abc", b"{}", 1796608800, "malformed"),
        ("garbage", b"{}", 1796608800, "malformed"),
    ],
)
def test_a_receiver_refuses_a_wrong_stale_or_broken_signature(
    header: str | None, body: bytes, now: int, reason: str
) -> None:
    header = header or signing.header(["whsec_one"], 1796608800, b"{}")
    with pytest.raises(signing.SignatureRefused) as refused:
        signing.verify(header, body, "whsec_one", now=now)
    assert refused.value.reason == reason
    assert check_signature(header, body, ["whsec_one"], now=now) == reason


def test_after_a_rotation_both_secrets_sign() -> None:
    header = signing.header(["whsec_new", "whsec_old"], 1796608800, b"{}")
    for secret in ("whsec_new", "whsec_old"):
        signing.verify(header, b"{}", secret, now=1796608800)


@pytest.mark.parametrize(
    ("given_number", "stored"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("008613800001234", "13800001234"),
        ("8613800001234", "13800001234"),
    ],
)
def test_mobile_numbers_are_kept_as_their_eleven_digits(given_number: str, stored: str) -> None:
    assert contact.mobile(given_number) == stored


@pytest.mark.parametrize(
    "bad", ["", "0571-61100110", "1380000123", "23800001234", "1380000123x", "+1 2025550123"]
)
def test_a_landline_or_a_foreign_number_gets_no_sms(bad: str) -> None:
    with pytest.raises(contact.BadAddress):
        contact.mobile(bad)


def test_lists_mask_numbers_and_addresses() -> None:
    assert contact.mask_phone("13800001234") == "138****1234"
    assert contact.mask_email("zhang.wei@qingchuan.example") == "z***@qingchuan.example"
    assert contact.channels("both") == ("sms", "email") and contact.channels("none") == ()


API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_webhooks() -> str:
    return API_DOC.read_text(encoding="utf-8").split("## Webhooks to agencies' systems", 1)[1]


def test_the_receiver_check_in_the_documentation_accepts_what_the_hub_signs() -> None:
    code = documented_webhooks().split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the snippet a police system's developers will copy
    body = b'{"event":"referral.closed","id":"a1"}'
    header = signing.header(["whsec_new", "whsec_old"], int(time.time()), body)
    assert namespace["verify"](header, body, "whsec_old")
    assert not namespace["verify"](header, body + b" ", "whsec_old")
    assert not namespace["verify"](
        signing.header(["whsec_new"], int(time.time()) - 301, body), body, "whsec_new"
    )
