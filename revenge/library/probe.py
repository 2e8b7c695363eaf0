"""Probing media files with PyAV (FFmpeg's libraries): what a streaming server needs to know.

Codecs and their RFC 6381 strings, picture geometry as displayed, interlacing, HDR, tracks
and their languages, the real duration of a cut-short file, and whether the keyframes
allow remuxing into segments. The work itself is in ``revenge.library.probing``.
"""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool
from zope.interface import Interface, implementer

from revenge.store.records import ProbeResult

# The segment duration the keyframes are checked against unless told otherwise: the
# playback default (``[playback] segment_duration``).
DEFAULT_SEGMENT_DURATION = 6.0
DEFAULT_BOOTSTRAP_DURATION = 2.0  # ``[playback] bootstrap_duration``


class IProbe(Interface):
    """Finds what a media file contains; a failure is a result with ``error``, never raised."""

    def probe(path: Path) -> Deferred[ProbeResult]:
        """Fire with the probe of ``path``."""


def probe_file(path: Path, *, segment_duration: float | None = DEFAULT_SEGMENT_DURATION,
               bootstrap_duration: float = DEFAULT_BOOTSTRAP_DURATION) -> ProbeResult:
    """Probe ``path`` synchronously (call from a worker thread).

    ``segment_duration`` is the D whose boundaries the keyframes are checked against
    (None: not checked), and ``bootstrap_duration`` the B of short first segments.
    """
    try:
        import av  # deferred: importing FFmpeg's libraries is slow, and only probes need them

        from revenge.library.probing import probe_container

        size = path.stat().st_size
        with av.open(str(path), metadata_errors="ignore") as container:
            return probe_container(container, path=path, size=size,
                                   segment_duration=segment_duration,
                                   bootstrap_duration=bootstrap_duration)
    except Exception as e:  # PyAV raises many kinds; any of them means "unprobeable"
        return ProbeResult(error=_without_directories(f"{type(e).__name__}: {e}", path))


def _without_directories(message: str, path: Path) -> str:
    """``message`` naming the file by its base name only: the API must not show paths."""
    for spelling in sorted({str(path), str(path.absolute()), os.path.realpath(path)},
                           key=len, reverse=True):
        message = message.replace(spelling, path.name)
    return message


@implementer(IProbe)
class PyAVProbe:
    """``IProbe`` running PyAV on a pool of worker threads of its own."""

    def __init__(self, *, reactor: IReactorThreads, threads: int = 2,
                 segment_duration: float | None = DEFAULT_SEGMENT_DURATION,
                 bootstrap_duration: float = DEFAULT_BOOTSTRAP_DURATION) -> None:
        self._reactor = reactor
        self._segment_duration = segment_duration
        self._bootstrap_duration = bootstrap_duration
        self._pool = ThreadPool(minthreads=0, maxthreads=threads, name="revenge-probe")
        self._pool.start()

    def probe(self, path: Path) -> Deferred[ProbeResult]:
        return deferToThreadPool(self._reactor, self._pool, probe_file, path,
                                 segment_duration=self._segment_duration,
                                 bootstrap_duration=self._bootstrap_duration)

    def stop(self) -> None:
        """Stop the worker threads (waits for a probe in progress)."""
        self._pool.stop()
