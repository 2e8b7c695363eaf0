"""The media timeline every rendition shares: where each segment starts and ends.

Segment ``N`` of every profile and every track covers ``[start(N), start(N+1))`` of one
timeline that begins at 0 and ends at ``duration``. Boundaries are multiples of the segment
duration ``D``; a tail shorter than ``min_tail`` seconds is merged into the segment before it
(a segment of a few frames, or of none, is worse for players than a slightly long one).
"""

from __future__ import annotations

import bisect
import math
from functools import cached_property

import attrs

# The shortest last segment kept on its own (seconds), and at most half a segment.
MIN_TAIL = 1.0
# MPEG-TS segments' timestamps run this many seconds ahead of the timeline (ffmpeg's mux
# delay and preload): a contract promise, since subtitles' X-TIMESTAMP-MAP rests on it.
TS_OFFSET = 1.4
MPEG_CLOCK = 90_000  # MPEG-TS timestamps count at 90 kHz


@attrs.frozen
class Timeline:
    """The segment boundaries of a media of ``duration`` seconds cut every ``segment``."""

    duration: float
    segment: float

    def __attrs_post_init__(self) -> None:
        if not (self.duration > 0 and math.isfinite(self.duration)):
            raise ValueError("a timeline needs a positive, finite duration")
        if not self.segment > 0:
            raise ValueError("a timeline needs a positive segment duration")

    @cached_property
    def starts(self) -> tuple[float, ...]:
        """The start of every segment, the first at 0."""
        whole = int(self.duration // self.segment)
        tail = self.duration - whole * self.segment
        count = whole + (1 if tail > 1e-6 else 0)
        if count > 1 and tail > 1e-6 and tail < min(MIN_TAIL, self.segment / 2):
            count -= 1
        return tuple(round(i * self.segment, 6) for i in range(max(count, 1)))

    @property
    def count(self) -> int:
        """How many segments there are."""
        return len(self.starts)

    def start(self, index: int) -> float:
        """Where segment ``index`` starts."""
        return self.starts[index]

    def end(self, index: int) -> float:
        """Where segment ``index`` ends (the last one at ``duration``)."""
        return self.starts[index + 1] if index + 1 < self.count else self.duration

    def length(self, index: int) -> float:
        """How long segment ``index`` is."""
        return self.end(index) - self.start(index)

    def index_at(self, position: float) -> int:
        """The segment that holds ``position`` (clamped to the first and the last)."""
        return max(0, min(self.count - 1, bisect.bisect_right(self.starts, position) - 1))

    @property
    def longest(self) -> float:
        """The longest segment (a merged tail makes the last one longer than ``segment``)."""
        return max(self.length(i) for i in range(self.count))
