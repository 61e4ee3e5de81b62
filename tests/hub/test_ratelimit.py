from hub.ratelimit import FailureLimiter


def test_it_blocks_after_the_allowed_failures_and_releases_after_the_window() -> None:
    limiter = FailureLimiter(attempts=3, window_seconds=60)
    for t in (0.0, 1.0, 2.0):
        assert limiter.retry_after("user:a", t) == 0
        limiter.fail("user:a", t)
    assert limiter.retry_after("user:a", 3.0) == 58
    assert limiter.retry_after("user:b", 3.0) == 0
    assert limiter.retry_after("user:a", 60.5) == 0  # the first failure left the window


def test_success_resets_the_count() -> None:
    limiter = FailureLimiter(attempts=2, window_seconds=60)
    limiter.fail("k", 0)
    limiter.reset("k")
    limiter.fail("k", 1)
    assert limiter.retry_after("k", 2) == 0
