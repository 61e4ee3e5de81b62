"""Loaded by Python at start-up in subprocesses the tests start (its folder is put on PYTHONPATH by
``tests.support.env.clean_env``): runs the child on the parent's travelled clock. See
``tests/support/clock.py``. Never on the path of anything but a test's subprocess."""

import os

_at = os.environ.get("GONGTIAO_TEST_CLOCK_AT")
if _at:
    import time_machine

    time_machine.travel(_at, tick=True).start()
