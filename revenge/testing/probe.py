"""``InlineProbe``: an ``IProbe`` that answers before it returns.

It probes with PyAV in the calling thread (what ``PyAVProbe`` does on its workers), or
answers a prepared ``ProbeResult`` for a file name it was given, so a scan can be tested on
placeholder files without making real media.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from revenge.library.probe import (
    DEFAULT_BOOTSTRAP_DURATION,
    DEFAULT_SEGMENT_DURATION,
    IProbe,
    probe_file,
)
from revenge.store.records import ProbeResult

__all__ = ["InlineProbe"]


@implementer(IProbe)
class InlineProbe:
    """Probes synchronously; ``known`` maps file names to the results to answer instead."""

    def __init__(self, known: Mapping[str, ProbeResult] | None = None, *,
                 segment_duration: float | None = DEFAULT_SEGMENT_DURATION,
                 bootstrap_duration: float = DEFAULT_BOOTSTRAP_DURATION) -> None:
        self.known = dict(known or {})
        self.segment_duration = segment_duration
        self.bootstrap_duration = bootstrap_duration
        self.probed: list[Path] = []

    def probe(self, path: Path) -> Deferred[ProbeResult]:
        self.probed.append(path)
        result = self.known.get(path.name)
        if result is None:
            result = probe_file(path, segment_duration=self.segment_duration,
                                bootstrap_duration=self.bootstrap_duration)
        return succeed(result)
