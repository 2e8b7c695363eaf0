"""One ffmpeg child making artwork: niced, one thread, killed past its deadline or when
stopped, and reaped before anyone is told it is over (so a stop leaves no ffmpeg)."""

from __future__ import annotations

import contextlib
import shutil
import signal
from collections.abc import Sequence

from twisted.internet.defer import Deferred
from twisted.internet.error import ProcessDone, ProcessExitedAlready
from twisted.internet.interfaces import (
    IDelayedCall,
    IProcessTransport,
    IReactorProcess,
    IReactorTime,
)
from twisted.internet.protocol import ProcessProtocol
from twisted.python.failure import Failure

from revenge.children import spawn
from revenge.halt import Halt

NICENESS = 19  # the lowest: a scheduler weight of 15 against an encoder's 1024 (nice 10: 110)
_TAIL = 600  # bytes of stderr kept for the error message


class ArtworkFailed(Exception):
    """ffmpeg could not make the picture (a broken file, a stop, a deadline passed)."""


def niced(argv: Sequence[str]) -> list[str]:
    """``argv`` run at a lower priority than playback's encoders, where ``nice`` exists."""
    nice = shutil.which("nice")
    return [nice, "-n", str(NICENESS), *argv] if nice else list(argv)


async def run_child(halt: Halt, argv: Sequence[str], *, reactor: IReactorProcess,
                    clock: IReactorTime, timeout: float, what: str) -> None:
    """Run ``argv`` niced under ``halt``; raise ``ArtworkFailed`` unless it did its work."""
    if halt.stopped:
        raise ArtworkFailed(f"making artwork of {what} was stopped")
    child = Child(niced(argv), reactor=reactor, clock=clock, timeout=timeout, what=what)
    halt.running = child
    try:
        await child.done
    finally:
        halt.running = None


class Child(ProcessProtocol):
    """Runs ``argv``; ``done`` fires on a clean exit or fails with ``ArtworkFailed``."""

    def __init__(self, argv: Sequence[str], *, reactor: IReactorProcess, clock: IReactorTime,
                 timeout: float, what: str) -> None:
        self.done: Deferred[None] = Deferred()
        self._what = what
        self._timeout = timeout
        self._stderr = b""
        self._reason: str | None = None
        self._reaped: list[Deferred[None]] = []
        self._process: IProcessTransport | None = None
        self._deadline: IDelayedCall | None = clock.callLater(timeout, self._expire)
        try:
            self._process = spawn(reactor, self, argv)
        except OSError as e:
            self.processEnded(Failure(e))

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def errReceived(self, data: bytes) -> None:
        self._stderr = (self._stderr + data)[-_TAIL:]

    def _expire(self) -> None:
        self._deadline = None
        self._kill(f"ffmpeg took more than {self._timeout:g} s on {self._what}")

    def _kill(self, reason: str) -> None:
        self._reason = self._reason or reason
        if self._process is not None:
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signal.SIGKILL)

    def stop(self) -> Deferred[None]:
        """Kill the child; fires once it is reaped."""
        reaped: Deferred[None] = Deferred()
        if self._process is None:
            reaped.callback(None)
            return reaped
        self._reaped.append(reaped)
        self._kill(f"making artwork of {self._what} was stopped")
        return reaped

    def processEnded(self, reason: Failure) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._process = None
        if self._reason is None and reason.check(ProcessDone) is None:
            said = self._stderr.decode("utf-8", "replace").strip().splitlines()
            self._reason = f"ffmpeg failed on {self._what}: {said[-1] if said else reason.value}"
        if self._reason is not None:
            self.done.errback(ArtworkFailed(self._reason))
        else:
            self.done.callback(None)
        reaped, self._reaped = self._reaped, []
        for waiter in reaped:
            waiter.callback(None)
