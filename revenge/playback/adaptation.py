"""Quality adaptation of one session: bandwidth, CMCD evidence, server ABR and degradation.

One ABR brain at a time. With ``abr=client`` (the default) the server only caps the ladder
(master playlist order and the degradation cap) and the player's ABR picks within it; with
``abr=server`` the server picks the profile of every segment. Either way, more than
``ERROR_LIMIT`` segment errors lower the cap by one profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from prometheus_client import Counter
from twisted.logger import Logger

from revenge.playback.bandwidth import BandwidthEstimate, BandwidthMonitor
from revenge.playback.cmcd import Cmcd
from revenge.playback.ladder import Variant
from revenge.playback.selection import order_variants, select_profile

ERROR_LIMIT = 3
Reason = Literal["bandwidth_drop", "bandwidth_rise", "errors"]

QUALITY_SWITCHES = Counter(
    "revenge_playback_quality_switches", "Variant changes made by the server.", ["reason"]
)
BUFFERING_EVENTS = Counter(
    "revenge_playback_buffering_events", "Segments a player reported starving for (CMCD bs)."
)
_log = Logger()


class Adapter:
    """Adaptation state of one session over its ladder (best profile first)."""

    def __init__(self, session_id: str, ladder: Sequence[Variant], *, server_abr: bool) -> None:
        self.session_id = session_id
        self.ladder = tuple(ladder)
        self.server_abr = server_abr
        self.monitor = BandwidthMonitor()
        self.cap = 0  # index into ladder of the best profile allowed
        self.errors = 0  # since the last degradation
        self.switches = 0
        self.buffering_events = 0
        self.current: Variant | None = None
        self.last_cmcd: Cmcd | None = None

    # -- evidence ----------------------------------------------------------------------

    def segment_sent(self, nbytes: int, seconds: float) -> None:
        """A segment reached the client's socket in ``seconds``."""
        self.monitor.add(nbytes, seconds)

    def cmcd(self, data: Cmcd) -> None:
        """The player's own report: starvation counts as buffering; ``mtp`` is bandwidth."""
        self.last_cmcd = data
        if data.buffer_starvation:
            self.buffering_events += 1
            BUFFERING_EVENTS.inc()
        if data.measured_throughput_kbps:
            self.monitor.add_rate(data.measured_throughput_kbps * 1000)

    def segment_failed(self) -> bool:
        """Count an error; past the limit, step the cap one profile down (True if it did)."""
        self.errors += 1
        if self.errors <= ERROR_LIMIT or self.cap >= len(self.ladder) - 1:
            return False
        before = self.ladder[self.cap]
        self.cap += 1
        self.errors = 0
        self._switched(before, self.ladder[self.cap], "errors")
        return True

    # -- decisions -----------------------------------------------------------------------

    @property
    def allowed(self) -> tuple[Variant, ...]:
        """The ladder under the cap."""
        return self.ladder[self.cap :]

    def estimate(self) -> BandwidthEstimate | None:
        """The current bandwidth estimate."""
        return self.monitor.estimate()

    def master_order(self) -> list[str]:
        """Variant names for the master playlist, first choice first."""
        return order_variants(self.allowed, self.estimate())

    def profile_for(self, requested: str | None) -> Variant:
        """The profile to serve a segment from.

        Server ABR picks from bandwidth; client ABR gets what it asked for, unless the
        degradation cap forbids it (then the best allowed).
        """
        allowed = self.allowed
        if self.server_abr or requested is None:
            chosen = select_profile(allowed, self.estimate())
        else:
            chosen = next((p for p in allowed if p.name == requested), allowed[0])
        if self.server_abr and self.current is not None and chosen != self.current:
            rank = {p.name: i for i, p in enumerate(self.ladder)}
            better = rank[chosen.name] < rank[self.current.name]
            self._switched(self.current, chosen, "bandwidth_rise" if better else "bandwidth_drop")
        self.current = chosen
        return chosen

    def lower_than(self, profile: Variant) -> Variant | None:
        """The next profile down the ladder, for serving a segment that failed."""
        index = self.ladder.index(profile)
        return self.ladder[index + 1] if index + 1 < len(self.ladder) else None

    def _switched(self, before: Variant, after: Variant, reason: Reason) -> None:
        self.switches += 1
        QUALITY_SWITCHES.labels(reason).inc()
        _log.info("quality switch {session} {before} -> {after} ({reason})",
                  session=self.session_id, before=before.name, after=after.name, reason=reason)
