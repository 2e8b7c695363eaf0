"""Per-session bandwidth: what the player actually took, over a rolling window of segments."""

from __future__ import annotations

from collections import deque

import attrs

WINDOW = 10
STABLE_JITTER = 0.25  # jitter below this fraction of the mean means "stable"
TARGET_STABLE = 0.8
TARGET_UNSTABLE = 0.6


@attrs.frozen
class BandwidthEstimate:
    """The window's mean throughput (bits/s), its jitter (max - min) and stability."""

    average: float
    jitter: float
    samples: int

    @property
    def stable(self) -> bool:
        """Jitter under 25% of the mean."""
        return self.samples > 1 and self.jitter < STABLE_JITTER * self.average

    @property
    def target(self) -> float:
        """The bitrate to aim for: 80% of the mean when stable, 60% when not."""
        return self.average * (TARGET_STABLE if self.stable else TARGET_UNSTABLE)


class BandwidthMonitor:
    """Keeps the last ``window`` throughput samples of one session."""

    def __init__(self, window: int = WINDOW) -> None:
        self._samples: deque[float] = deque(maxlen=window)

    def add(self, nbytes: int, seconds: float) -> None:
        """A segment of ``nbytes`` took ``seconds`` to reach the client's socket."""
        if nbytes <= 0:
            return
        self._samples.append(nbytes * 8 / max(seconds, 1e-4))

    def add_rate(self, bits_per_second: float) -> None:
        """A throughput the player measured itself (CMCD ``mtp``)."""
        if bits_per_second > 0:
            self._samples.append(bits_per_second)

    def estimate(self) -> BandwidthEstimate | None:
        """The current estimate, or None before the first sample."""
        if not self._samples:
            return None
        average = sum(self._samples) / len(self._samples)
        return BandwidthEstimate(average, max(self._samples) - min(self._samples),
                                 len(self._samples))
