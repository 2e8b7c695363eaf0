"""Child processes that do not outlive the server, however it ends."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence


@functools.cache
def _setpriv() -> str | None:
    """util-linux's setpriv (essential on Debian), if it has ``--pdeathsig`` (2.33 on):
    tried once, a few milliseconds."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    try:
        subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return setpriv


def tied(argv: Sequence[str]) -> list[str]:
    """``argv`` run so that the kernel kills it (SIGKILL) when this process dies, even by
    SIGKILL: an encoder paused by demand (stopped) would otherwise wait forever for a
    SIGCONT nobody sends. Through util-linux's ``setpriv --pdeathsig``, which sets that and
    then execs ``argv`` in its place (the same pid); as it is where setpriv is missing."""
    setpriv = _setpriv()
    return [setpriv, "--pdeathsig", "KILL", "--", *argv] if setpriv else list(argv)
