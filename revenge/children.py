"""Child processes: started without blocking the reactor, and never outliving the server,
however it ends."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from twisted.internet.interfaces import IProcessProtocol, IProcessTransport, IReactorProcess


def _find_setpriv() -> str | None:
    """util-linux's setpriv (essential on Debian), if it has ``--pdeathsig`` (2.33 on)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    try:
        subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return setpriv


# Found once, when the server's modules are imported: before the reactor runs, not at the
# first child it starts.
SETPRIV = _find_setpriv()


def tied(argv: Sequence[str]) -> list[str]:
    """``argv`` run so that the kernel kills it (SIGKILL) when this process dies, even by
    SIGKILL: an encoder paused by demand (stopped) would otherwise wait forever for a
    SIGCONT nobody sends. Through ``setpriv --pdeathsig``, which sets that and then execs
    ``argv`` in its place (the same pid); as it is where setpriv is missing."""
    return [SETPRIV, "--pdeathsig", "KILL", "--", *argv] if SETPRIV else list(argv)


def spawn(reactor: IReactorProcess | Any, protocol: IProcessProtocol,
          argv: Sequence[str]) -> IProcessTransport:
    """Start ``argv`` (an absolute executable, absolute paths) ``tied``, with an empty
    environment and no working directory of its own: so Twisted uses posix_spawn, not fork,
    whose copy of this process's page tables (the segment cache: gigabytes) held the
    reactor about 3 ms per 100 MB."""
    command = tied(argv)
    return reactor.spawnProcess(protocol, command[0], command, env={})
