"""Choosing profiles from measured bandwidth: the 80/60 rule, and capping the master playlist.

One ABR brain at a time: by default the server only orders and caps the variants (the
player's ABR chooses within); with ``abr=server`` the server picks every segment's profile.
"""

from __future__ import annotations

from collections.abc import Sequence

from revenge.playback.bandwidth import BandwidthEstimate
from revenge.playback.ladder import Variant

# A variant more than this many times what the player sustained is left out of the master.
CAP_FACTOR = 2.0


def select_profile(ladder: Sequence[Variant], estimate: BandwidthEstimate | None) -> Variant:
    """The best profile (ladder is best first) whose bandwidth fits the target; else the lowest.

    With no measurement yet, the middle rung: a sane start that neither stalls nor looks poor.
    """
    if estimate is None:
        return ladder[len(ladder) // 2]
    for profile in ladder:
        if profile.bandwidth <= estimate.target:
            return profile
    return ladder[-1]


def order_variants(
    ladder: Sequence[Variant], estimate: BandwidthEstimate | None
) -> list[str]:
    """Master-playlist order: the selected start variant first, then the rest best first,
    leaving out variants far above what the player has sustained (never the lowest)."""
    start = select_profile(ladder, estimate)
    names = [p.name for p in ladder]
    if estimate is not None:
        ceiling = estimate.average * CAP_FACTOR
        names = [p.name for p in ladder if p.bandwidth <= ceiling] or [ladder[-1].name]
        if start.name not in names:
            names.insert(0, start.name)
    return [start.name, *(n for n in names if n != start.name)]
