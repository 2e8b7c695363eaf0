"""The media timeline every rendition shares: where each segment starts and ends.

Segment ``N`` of every profile and every track covers ``[start(N), start(N+1))`` of one
timeline that begins at 0 and ends at ``duration``. Boundaries are multiples of the segment
duration ``D``; a tail shorter than ``min_tail`` seconds is merged into the segment before it
(a segment of a few frames, or of none, is worse for players than a slightly long one).

With a ``bootstrap`` duration ``B`` (a divisor of ``D``), the first ``D`` seconds are cut
every ``B`` instead, so a player's first segment comes sooner (nginx-vod's bootstrap
segments); from ``D`` on the grid is the plain one (``0, 2, 4, 6, 12, 18`` for ``B=2, D=6``).
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
    bootstrap: float = 0.0  # 0: no short first segments

    def __attrs_post_init__(self) -> None:
        if not (self.duration > 0 and math.isfinite(self.duration)):
            raise ValueError("a timeline needs a positive, finite duration")
        if not self.segment > 0:
            raise ValueError("a timeline needs a positive segment duration")
        if self.bootstrap and not bootstrap_fits(self.segment, self.bootstrap):
            raise ValueError("a bootstrap duration must divide the segment duration")

    @cached_property
    def starts(self) -> tuple[float, ...]:
        """The start of every segment, the first at 0."""
        short = round(self.segment / self.bootstrap) if self.bootstrap else 1
        first = [i * self.segment / short for i in range(short)]
        whole = int(self.duration // self.segment) + 1
        starts = [t for t in [*first, *(i * self.segment for i in range(1, whole + 1))]
                  if t == 0 or t < self.duration - 1e-6]
        tail = self.duration - starts[-1]
        nominal = self.segment / short if len(starts) <= short else self.segment
        if len(starts) > 1 and tail < min(MIN_TAIL, nominal / 2):
            starts.pop()
        return tuple(round(float(t), 6) for t in starts)

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


def bootstrap_fits(segment: float, bootstrap: float) -> bool:
    """Whether ``bootstrap`` seconds cut ``segment`` seconds into a whole number of parts."""
    parts = segment / bootstrap
    return 0 < bootstrap <= segment and abs(parts - round(parts)) < 1e-6
