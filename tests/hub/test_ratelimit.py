"""Failed logins: the account-and-address pair waits, longer after each failure; the address alone
has a wider window; nobody else is locked out."""

from hub.ratelimit import FailureLimiter, LoginThrottle


def test_it_blocks_after_the_allowed_failures_and_the_wait_doubles() -> None:
    limiter = FailureLimiter(attempts=3, window_seconds=600, first_delay_seconds=30)
    for t in (0.0, 1.0, 2.0):
        assert limiter.retry_after("a", t) == 0
        limiter.fail("a", t)
    assert limiter.retry_after("a", 3.0) == 29  # 30 s after the last failure
    assert limiter.retry_after("b", 3.0) == 0
    assert limiter.retry_after("a", 32.0) == 0
    limiter.fail("a", 32.0)
    assert limiter.retry_after("a", 32.0) == 60  # one more failure: twice as long
    limiter.fail("a", 92.0)
    assert limiter.retry_after("a", 92.0) == 120


def test_the_wait_never_passes_the_window_and_the_window_forgets() -> None:
    limiter = FailureLimiter(attempts=1, window_seconds=100, first_delay_seconds=30)
    for t in range(10):
        limiter.fail("a", float(t))
    assert limiter.retry_after("a", 9.0) == 100
    assert limiter.retry_after("a", 200.0) == 0  # every failure left the window


def test_success_resets_the_count() -> None:
    limiter = FailureLimiter(attempts=2, window_seconds=60)
    limiter.fail("k", 0)
    limiter.reset("k")
    limiter.fail("k", 1)
    assert limiter.retry_after("k", 2) == 0


def test_a_stranger_failing_on_an_account_does_not_lock_its_owner_out() -> None:
    throttle = LoginThrottle.of(attempts=5, window_seconds=900)
    for t in range(20):
        throttle.fail("admin", "203.0.113.9", float(t))
    assert throttle.retry_after("admin", "203.0.113.9", 20.0) > 0
    assert throttle.retry_after("admin", "198.51.100.7", 20.0) == 0  # the owner, from their office


def test_colleagues_behind_one_address_are_not_locked_out_by_one_persons_typos() -> None:
    throttle = LoginThrottle.of(attempts=5, window_seconds=900)
    for t in range(6):
        throttle.fail("liaison_ps01", "10.0.0.1", float(t))
    assert throttle.retry_after("liaison_ps01", "10.0.0.1", 6.0) > 0
    assert throttle.retry_after("liaison_ps02", "10.0.0.1", 6.0) == 0


def test_one_address_spraying_many_accounts_is_slowed() -> None:
    throttle = LoginThrottle.of(attempts=5, window_seconds=900)
    for n in range(50):
        throttle.fail(f"user{n}", "203.0.113.9", float(n))
    assert throttle.retry_after("somebody_new", "203.0.113.9", 50.0) > 0
    throttle.succeed("user1", "203.0.113.9")  # a success clears only its own pair
    assert throttle.retry_after("somebody_new", "203.0.113.9", 50.0) > 0
