"""Whose claim on a room is void: only a process of this machine that surely no longer runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rtc.room.relay import holder_is_gone

ME = f"box:{os.getpid()}:aaaa1111"


def a_pid_that_has_ended() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: the pid is free (and not reused within this test)
    return child.pid


@pytest.mark.parametrize(
    ("holder", "gone"),
    [
        (ME, False),  # this process itself
        (f"box:{os.getppid()}:bbbb2222", False),  # a live process of this machine
        (f"other:{a_pid_that_has_ended()}:bbbb2222", False),  # another machine: the heartbeat decides
        (f"box:{a_pid_that_has_ended()}:bbbb2222", True),  # killed on this machine
        (f"box:{os.getpid()}:bbbb2222", True),  # an earlier process with this pid (a restarted container)
        ("", False),
        ("box:not-a-pid:bbbb2222", False),
        ("box:0:bbbb2222", False),
        ("box:-1:bbbb2222", False),
    ],
    # Fixed ids: the holders hold pids, which differ between collections (pytest-xdist workers).
    ids=[
        "self",
        "live",
        "other-machine",
        "killed",
        "same-pid-earlier",
        "empty",
        "not-a-pid",
        "pid-0",
        "pid-negative",
    ],
)
def test_only_a_dead_process_of_this_machine_loses_its_claim(holder: str, gone: bool) -> None:
    assert holder_is_gone(holder, ME) is gone
