"""The ffmpeg child that turns subtitle tracks into WebVTT files.

One run reads a media file once and writes every text track asked for, each to its own
file (``-map 0:{index} -c:s webvtt -f webvtt``); a sidecar is a run of its own. Times come
out on the timeline: without ``-copyts`` ffmpeg subtracts the input's start time, which is
the 0 the transcodes count from too. The run is watched, not timed: ffmpeg reports progress
every half second, and a run that reports nothing for ``stall_timeout`` seconds (a read
stuck on a dead network share, a FIFO) is killed, so nobody waits on it for ever.
"""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Sequence
from pathlib import Path

import attrs
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
from revenge.subtitles.errors import ExtractionFailed

# ffmpeg's error lines kept for the message (the last few, each cut short).
_TAIL_LINES = 4
_LINE_BYTES = 300
# What ffmpeg puts before a message: which part said it, at which address.
_CONTEXT = re.compile(r"^(?:\s*\[[^\]]* @ 0x[0-9a-f]+\])+")


@attrs.frozen
class Output:
    """One track to write: stream ``stream`` of the input, into the file ``path``."""

    stream: int
    path: Path


def extraction_argv(ffmpeg: str, source: str, outputs: Sequence[Output], *,
                    charset: str | None = None) -> list[str]:
    """The command extracting ``outputs`` from ``source`` (a sidecar: ``charset`` names its
    text encoding when it is not UTF-8)."""
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-progress", "pipe:1",
            "-y"]
    if charset is not None:
        argv += ["-sub_charenc", charset]
    argv += ["-i", source]
    for output in outputs:
        argv += ["-map", f"0:{output.stream}", "-c:s", "webvtt", "-f", "webvtt",
                 str(output.path)]
    return argv


class _Watched(ProcessProtocol):
    """Keeps the last error lines of stderr, and tells the run of every sign of life."""

    def __init__(self, run: Extraction) -> None:
        self._run = run
        self._pending = b""
        self.tail: list[str] = []

    def outReceived(self, data: bytes) -> None:
        self._run.alive_now()

    def errReceived(self, data: bytes) -> None:
        self._run.alive_now()
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()[-_LINE_BYTES:]
        for line in lines:
            text = _CONTEXT.sub("", line.decode("utf-8", "replace")).strip()[:_LINE_BYTES]
            if text and text not in self.tail:
                self.tail = [*self.tail[-(_TAIL_LINES - 1):], text]

    def processEnded(self, reason: Failure) -> None:
        if self._pending.strip():
            self.errReceived(b"\n")
        self._run.ended(reason, self.tail)


class Extraction:
    """One ffmpeg run; ``done`` fires when it exits cleanly, or fails with
    ``ExtractionFailed`` saying why (its error lines, or that it stalled)."""

    def __init__(self, argv: Sequence[str], *, reactor: IReactorProcess, clock: IReactorTime,
                 stall_timeout: float, what: str) -> None:
        self.done: Deferred[None] = Deferred()
        self._what = what
        self._clock = clock
        self._stall_timeout = stall_timeout
        self.stalled = False
        self.stopped = False
        self._watchdog: IDelayedCall | None = None
        self._process: IProcessTransport | None = None
        self._reaped: list[Deferred[None]] = []
        # ffmpeg names the files in its messages; the API shows them to players.
        self._paths = sorted((a for a in argv[1:] if a.startswith("/")), key=len, reverse=True)
        self.alive_now()
        try:
            self._process = spawn(reactor, _Watched(self), argv)
        except OSError as e:
            self.ended(Failure(e), [])

    def alive_now(self) -> None:
        """ffmpeg said something: it is not stuck."""
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.reset(self._stall_timeout)
        elif self._watchdog is None:
            self._watchdog = self._clock.callLater(self._stall_timeout, self._stall)

    def _stall(self) -> None:
        self.stalled = True
        self._kill()

    def stop(self) -> Deferred[None]:
        """Kill the run (its result is a failure saying so); fires once it is reaped."""
        self.stopped = True
        self._kill()
        reaped: Deferred[None] = Deferred()
        if self._process is None:
            reaped.callback(None)
        else:
            self._reaped.append(reaped)
        return reaped

    def _kill(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signal.SIGKILL)

    def _hide_paths(self, line: str) -> str:
        for path in self._paths:
            line = line.replace(path, Path(path).name)
        return line

    def ended(self, reason: Failure, tail: Sequence[str]) -> None:
        """The child was reaped: report how it went, then to those who stopped it."""
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.cancel()
        self._process = None
        if self.stalled:
            error = f"ffmpeg reading {self._what} did nothing for {self._stall_timeout:g} s"
        elif self.stopped:
            error = f"the extraction of {self._what} was stopped"
        elif reason.check(ProcessDone) is None:
            said = " | ".join(self._hide_paths(line) for line in tail) or str(reason.value)
            error = f"ffmpeg could not read the subtitles of {self._what}: {said}"
        else:
            error = ""
        if error:
            self.done.errback(ExtractionFailed(error))
        else:
            self.done.callback(None)
        reaped, self._reaped = self._reaped, []
        for waiter in reaped:
            waiter.callback(None)
