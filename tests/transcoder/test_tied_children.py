"""A child started through ``revenge.children.tied`` dies with the process that started it,
even killed by SIGKILL, and even while stopped (an encoder paused by demand)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from revenge.children import SETPRIV, tied

REPOSITORY = str(Path(__file__).resolve().parents[2])
PARENT = """
import subprocess, sys
from revenge.children import tied
child = subprocess.Popen(tied(["sleep", "600"]))
print(child.pid, flush=True)
sys.stdin.read()
"""


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (reaped by whoever adopted it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _cmdline(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read()


@pytest.mark.skipif(SETPRIV is None, reason="no setpriv with --pdeathsig on this machine")
def test_a_paused_child_dies_with_its_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env={**os.environ,
                                                           "PYTHONPATH": REPOSITORY})
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    try:
        # setpriv has set the death signal once it has become the command.
        deadline = time.monotonic() + 10
        while not _cmdline(pid).startswith(b"sleep") and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(pid, signal.SIGSTOP)  # paused, as the pacer pauses an encoder
        assert not _gone(pid)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # the kernel's signal, not something this test can wait on
        assert _gone(pid)
    finally:
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_command_is_run_in_place() -> None:
    argv = tied(["/bin/echo", "hi"])
    assert argv[-2:] == ["/bin/echo", "hi"]
    assert subprocess.run(argv, capture_output=True, check=True).stdout == b"hi\n"
