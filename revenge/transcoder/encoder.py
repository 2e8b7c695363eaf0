"""One ffmpeg child process making one profile's segments from a given segment on.

Segments are cut at forced keyframes every ``segment_duration`` with the timestamps of the
whole media (``-ss`` then ``-output_ts_offset``), so segments from different runs and
profiles splice. The segment muxer says on stderr when each segment is complete; only
those are ever served.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.error import ProcessDone, ProcessExitedAlready
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.contract import Profile, TranscodeRequest
from revenge.transcoder import metrics

_ENDED = re.compile(rb"segment:'(?:[^']*/)?(\d+)\.ts' count:\d+ ended")
_log = Logger()


def ffmpeg_arguments(ffmpeg: str, request: TranscodeRequest, profile: Profile, start: int,
                     directory: Path, *, threads: int = 2) -> list[str]:
    """The ffmpeg command line for ``profile`` from segment ``start``."""
    d = request.segment_duration
    offset = start * d
    args = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "verbose"]
    if request.source_headers:
        headers = "".join(f"{k}: {v}\r\n" for k, v in request.source_headers.items())
        args += ["-headers", headers]
    if offset:
        args += ["-ss", f"{offset:.3f}"]
    args += ["-i", request.source_url, "-map", "0:v:0", "-map", "0:a:0?", "-threads", str(threads)]
    if profile.video_codec == "copy":
        args += ["-c:v", "copy"]
    else:
        rate = profile.video_bitrate
        args += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
                 "-b:v", str(rate), "-maxrate", str(int(rate * 1.2)), "-bufsize", str(rate * 2),
                 "-vf", f"scale=-2:{profile.height}", "-pix_fmt", "yuv420p",
                 "-force_key_frames", f"expr:gte(t,n_forced*{d})", "-sc_threshold", "0"]
    if profile.audio_codec == "copy":
        args += ["-c:a", "copy"]
    else:
        args += ["-c:a", "aac", "-b:a", str(profile.audio_bitrate), "-ac", "2"]
    args += ["-f", "segment", "-segment_time", f"{d}", "-segment_start_number", str(start),
             "-segment_format", "mpegts", "-output_ts_offset", f"{offset:.3f}",
             str(directory / "%d.ts")]
    return args


class _Protocol(ProcessProtocol):
    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._pending = b""
        self.tail: list[bytes] = []

    def errReceived(self, data: bytes) -> None:
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            match = _ENDED.search(line)
            if match:
                self._encoder.segment_ended(int(match.group(1)))
            elif b"rror" in line or b"nvalid" in line:
                self.tail = [*self.tail[-9:], line.strip()]

    def processEnded(self, reason: Failure) -> None:
        self._encoder.ended(reason, b" | ".join(self.tail).decode("utf-8", "replace"))


class Encoder:
    """A running ffmpeg: its segments, pause and resume, and its end."""

    def __init__(
        self,
        *,
        reactor: Any,
        arguments: list[str],
        directory: Path,
        start: int,
        on_segment: Callable[[int, Path], None],
        on_end: Callable[[Encoder, str | None], None],
    ) -> None:
        self.directory = directory
        self.start = start
        self.position = start - 1  # the last segment finished
        self.paused = False
        self.finished: Deferred[None] = Deferred()
        self._on_segment = on_segment
        self._on_end = on_end
        self._alive = True
        directory.mkdir(parents=True, exist_ok=True)
        self._protocol = _Protocol(self)
        self._process = reactor.spawnProcess(
            self._protocol, arguments[0], arguments, env=None, path=str(directory))
        metrics.ENCODERS.inc()

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def segment_ended(self, index: int) -> None:
        self.position = max(self.position, index)
        metrics.SEGMENTS_MADE.inc()
        self._on_segment(index, self.directory / f"{index}.ts")

    def pause(self) -> None:
        """Stop the process where it is (SIGSTOP); it costs no CPU until resumed."""
        if self._alive and not self.paused:
            self.paused = True
            metrics.PAUSES.inc()
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused process go on."""
        if self._alive and self.paused:
            self.paused = False
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signal.SIGCONT)

    def stop(self) -> Deferred[None]:
        """Kill the process; fires once it is gone."""
        if self._alive:
            with contextlib.suppress(OSError, ProcessExitedAlready):
                self._process.signalProcess(signal.SIGKILL)
        return self.finished

    def ended(self, reason: Failure, errors: str) -> None:
        self._alive = False
        metrics.ENCODERS.dec()
        clean = reason.check(ProcessDone) is not None
        if clean:
            # A clean exit closed the last segment too; the muxer said so for each.
            self._on_end(self, None)
        else:
            self._on_end(self, errors or str(reason.value))
        self.finished.callback(None)

    @property
    def alive(self) -> bool:
        return self._alive


def remove_partial(directory: Path, complete: set[int]) -> None:
    """Delete segment files a dead encoder left half-written (blocking; use a thread)."""
    for entry in os.scandir(directory):
        stem = entry.name.removesuffix(".ts")
        if stem.isdigit() and int(stem) not in complete:
            os.unlink(entry.path)
