"""One ffmpeg child process: the segments it finishes (of each rendition it makes), pause
and resume, and its end.

The segment muxer logs ``segment:'N.ts' ... ended`` just *before* it closes a file, then opens
the next and logs ``segment:'N+1.ts' starts with packet ... pts_time:T`` once the next file has
its first packet; so a segment counts as finished only once the next one has started (or
ffmpeg exited cleanly): a half-written file is never served. The start times also prove a
remux right: each segment must start on its boundary, or the source cannot be remuxed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.error import ProcessDone, ProcessExitedAlready
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.timeline import Timeline
from revenge.children import spawn
from revenge.transcoder import metrics
from revenge.transcoder.command import Command

_ENDED = re.compile(rb"segment:'((?:[^']*/)?)(\d+)\.ts' count:\d+ ended")
_STARTS = re.compile(rb"segment:'((?:[^']*/)?)(\d+)\.ts' starts with packet .*pts_time:(-?[\d.]+)")
_log = Logger()
# How far a remuxed segment's start may be from its boundary.
CUT_TOLERANCE = 0.1


class _Protocol(ProcessProtocol):
    """Reads ffmpeg's stderr line by line and reports the process's end."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._pending = b""

    def errReceived(self, data: bytes) -> None:
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()[-4096:]  # a line without end is never that long
        for line in lines:
            self._encoder.line_received(line)

    def processEnded(self, reason: Failure) -> None:
        self._encoder.process_ended(reason)


@attrs.define(eq=False)
class Output:
    """One rendition an encoder makes: segments ``start``, ``start+1``, ... into
    ``directory``; ``on_segment(index, path)`` is called for each one finished."""

    name: str
    directory: Path
    start: int
    on_segment: Callable[[int, Path], None]
    writing: int = attrs.field(init=False)  # the segment being written; all before are done
    open: int | None = None  # the segment file being written

    def __attrs_post_init__(self) -> None:
        self.writing = self.start


class Encoder:
    """A running ffmpeg making the segments of one or more renditions (``outputs``, by
    name), each from its own first segment on.

    ``on_end(encoder)`` is called once the process is gone; ``error`` then says why it
    ended if neither a clean exit nor a stop asked for.
    """

    def __init__(self, *, reactor: Any, command: Command, outputs: list[Output],
                 timeline: Timeline, on_end: Callable[[Encoder], None]) -> None:
        self.outputs = {o.name: o for o in outputs}
        self._by_directory = {f"{o.directory}/".encode(): o for o in outputs}
        self.paused = False
        self.stopping = False  # a stop was asked for: its end is not an error
        self.error: str | None = None
        # A remux whose source keyframes do not fall on the segment boundaries.
        self.misaligned = False
        self.ended: Deferred[None] = Deferred()
        self._remux = command.remux
        self._timeline = timeline
        self._on_end = on_end
        self._tail: list[str] = []
        self._alive = True
        self._clock: IReactorTime = reactor
        # Every path in the command is absolute; a paused encoder dies with its Blackbeard.
        self._process = spawn(reactor, _Protocol(self), command.argv)
        metrics.ENCODERS.inc()

    @property
    def start(self) -> int:
        """The first segment this run makes of any rendition."""
        return min(o.start for o in self.outputs.values())

    @property
    def alive(self) -> bool:
        """The process has not been reaped yet."""
        return self._alive

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        pid = self._process.pid
        return int(pid) if pid is not None else None

    def _output(self, directory: bytes) -> Output | None:
        if len(self.outputs) == 1:
            return next(iter(self.outputs.values()))
        return self._by_directory.get(directory)

    def line_received(self, line: bytes) -> None:
        """One line of ffmpeg's stderr."""
        if (match := _ENDED.search(line)) is not None:
            if (output := self._output(match.group(1))) is not None:
                # Pacing counts it as made from here on; it is served once the next starts.
                output.writing = max(output.writing, int(match.group(2)) + 1)
        elif (match := _STARTS.search(line)) is not None:
            if (output := self._output(match.group(1))) is not None:
                self._opened(output, int(match.group(2)), float(match.group(3)))
        elif b"rror" in line or b"nvalid" in line or b"failed" in line:
            self._tail = [*self._tail[-4:], line.decode("utf-8", "replace").strip()]

    def _opened(self, output: Output, index: int, at: float) -> None:
        if output.open is not None and output.open < index:
            self._confirm(output, output.open)
        output.open = index
        output.writing = max(output.writing, index)
        if self._remux and index >= output.start and not self._on_boundary(index, at):
            self.misaligned = True
            self.error = (f"the source's keyframes do not fall on the segment boundaries "
                          f"(segment {index} starts at {at:.3f} s): remux impossible")
            self.kill()

    def _on_boundary(self, index: int, at: float) -> bool:
        return index < self._timeline.count and \
            abs(at - self._timeline.start(index)) <= CUT_TOLERANCE

    def _confirm(self, output: Output, index: int) -> None:
        # A warm-up lead (below ``start``) and anything after a failed remux are not served.
        if self.misaligned or not output.start <= index < self._timeline.count:
            return
        metrics.SEGMENTS.inc()
        output.on_segment(index, output.directory / f"{index}.ts")

    def pause(self) -> None:
        """Stop the process where it is (SIGSTOP): no CPU until resumed."""
        if self._alive and not self.paused:
            self.paused = True
            metrics.PAUSES.inc()
            self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused process go on (SIGCONT)."""
        if self._alive and self.paused:
            self.paused = False
            self._signal(signal.SIGCONT)

    def kill(self) -> Deferred[None]:
        """End the process now (its unfinished segment is dropped); fires once reaped."""
        self.stopping = True
        self._signal(signal.SIGKILL)
        return self.ended

    def terminate(self, grace: float) -> Deferred[None]:
        """SIGTERM, then SIGKILL if it is still there after ``grace`` seconds."""
        self.stopping = True
        self._signal(signal.SIGTERM)
        # A stopped process would hold the SIGTERM pending until continued.
        self._signal(signal.SIGCONT)
        if self._alive:
            later = self._clock.callLater(grace, self._signal, signal.SIGKILL)

            def reaped(result: None) -> None:
                if later.active():
                    later.cancel()

            self.ended.addCallback(reaped)
        return self.ended

    def _signal(self, signum: int) -> None:
        if self._alive:
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signum)

    def process_ended(self, reason: Failure) -> None:
        """The child was reaped: confirm or drop what it left, then tell the owner."""
        self._alive = False
        self.paused = False
        metrics.ENCODERS.dec()
        if reason.check(ProcessDone) is not None:
            # A clean exit wrote the trailer and closed the last segments.
            last = self._timeline.count - 1
            for output in self.outputs.values():
                if output.open is not None:
                    self._confirm(output, output.open)
                if not self.misaligned and (output.open is None or output.open < last):
                    # The filters run every rendition to the timeline's end; stopping short
                    # means the source could not be read that far.
                    self.error = f"the input ended before segment {last} (at {output.open})"
        elif not self.stopping:
            self.error = " | ".join(self._tail) or str(reason.value)
        self._on_end(self)
        self.ended.callback(None)


def remove_unfinished(directory: Path, finished: set[int]) -> None:
    """Delete the segment files in ``directory`` not in ``finished`` (blocking: a thread)."""
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            stem = entry.name.removesuffix(".ts")
            if stem.isdigit() and int(stem) not in finished:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
