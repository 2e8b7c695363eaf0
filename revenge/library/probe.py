"""Probing media files with PyAV (FFmpeg's libraries): duration, container, streams."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool
from zope.interface import Interface, implementer

from revenge.store.records import ProbeResult, StreamInfo


class IProbe(Interface):
    """Finds what a media file contains; a failure is a result with ``error``, never raised."""

    def probe(path: Path) -> Deferred[ProbeResult]:
        """Fire with the probe of ``path``."""


def probe_file(path: Path) -> ProbeResult:
    """Probe ``path`` synchronously (call from a worker thread)."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = tuple(_stream_info(s) for s in container.streams)
            if not any(s.kind in ("video", "audio") for s in streams):
                return ProbeResult(error="no audio or video stream")
            duration = container.duration / 1_000_000 if container.duration else None
            title = container.metadata.get("title") or None
            return ProbeResult(
                duration=duration,
                container=container.format.name,
                bitrate=container.bit_rate or None,
                title=title,
                streams=streams,
            )
    except Exception as e:  # PyAV raises many kinds; any of them means "unprobeable"
        # The message names the absolute path; the API must not show it.
        return ProbeResult(error=f"{type(e).__name__}: {e}".replace(str(path), path.name))


def _stream_info(stream: object) -> StreamInfo:
    kind = getattr(stream, "type", "data") or "data"
    context = getattr(stream, "codec_context", None)
    language = getattr(stream, "language", None) or stream.metadata.get("language")  # type: ignore[attr-defined]
    return StreamInfo(
        index=stream.index,  # type: ignore[attr-defined]
        kind=kind if kind in ("video", "audio", "subtitle") else "data",
        codec=getattr(context, "name", None),
        width=getattr(context, "width", None) if kind == "video" else None,
        height=getattr(context, "height", None) if kind == "video" else None,
        bitrate=getattr(context, "bit_rate", None) or None,
        channels=getattr(context, "channels", None) if kind == "audio" else None,
        language=language if language and language != "und" else None,
    )


@implementer(IProbe)
class PyAVProbe:
    """``IProbe`` running PyAV on a pool of worker threads of its own."""

    def __init__(self, *, reactor: IReactorThreads, threads: int = 2) -> None:
        self._reactor = reactor
        self._pool = ThreadPool(minthreads=0, maxthreads=threads, name="revenge-probe")
        self._pool.start()

    def probe(self, path: Path) -> Deferred[ProbeResult]:
        return deferToThreadPool(self._reactor, self._pool, probe_file, path)

    def stop(self) -> None:
        """Stop the worker threads (waits for a probe in progress)."""
        self._pool.stop()
