"""How often a transcode's timeline is cut, which depends on its ladder: a seek into an
encoded video waits for one whole segment to be encoded, a copied video must be cut where
the source's keyframes are, and sound alone costs almost nothing to make."""

from __future__ import annotations

import functools
import math

import attrs

from revenge.blackbeard.timeline import Timeline, bootstrap_fits
from revenge.playback.ladder import Ladder

# A timeline that is encoded is cut at most this many times: each cut is a few bytes of an
# ffmpeg argument that Linux caps at 128 KiB (4 h of 2 s segments, 12 h of 6 s ones); longer
# media are cut every ``segment`` seconds, or a whole multiple of it.
MAX_ENCODED_SEGMENTS = 7_200


@attrs.frozen(cache_hash=True)
class Cadence:
    """Segment durations by kind of ladder (seconds).

    ``segment``: a copied video (on the grid its keyframes were checked against) and sound
    alone; ``encoded``: a ladder whose every video is encoded, short because a seek waits
    for one of them to be made (a 6 s one of a 1080p film takes ~1 s of two cores here;
    Jellyfin cuts its transcodes every 3 s); ``bootstrap``: the first ``segment`` seconds of
    a timeline are cut this often, when it is shorter and divides it (a copied video's only
    when its keyframes fall there too: ``Ladder.copy_bootstrap``).
    """

    segment: float = 6.0
    encoded: float = 2.0
    bootstrap: float = 2.0

    def timeline(self, ladder: Ladder) -> Timeline:
        """The boundaries every rendition of ``ladder`` shares (one object per ladder: a
        segment request asks, and a long film has thousands of boundaries to work out)."""
        return _timeline(self, ladder)


@functools.lru_cache(maxsize=1024)
def _timeline(cadence: Cadence, ladder: Ladder) -> Timeline:
    duration = ladder.source.duration
    if any(p.codec == "copy" for p in ladder.video):
        copied = ladder.copy_bootstrap == cadence.bootstrap
        return Timeline(duration, cadence.segment,
                        _short(cadence.bootstrap, cadence.segment) if copied else 0.0)
    segment = cadence.encoded if ladder.video else cadence.segment
    if duration / segment > MAX_ENCODED_SEGMENTS:
        segment = cadence.segment * math.ceil(duration / MAX_ENCODED_SEGMENTS / cadence.segment)
    return Timeline(duration, segment, _short(cadence.bootstrap, segment))


def _short(bootstrap: float, segment: float) -> float:
    """``bootstrap`` where it cuts ``segment`` into shorter parts, else 0 (none)."""
    return bootstrap if bootstrap and bootstrap < segment \
        and bootstrap_fits(segment, bootstrap) else 0.0
