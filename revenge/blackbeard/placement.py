"""Which Blackbeard of a pool takes a transcode, and which failures mean "this one is gone".

A member is *up* while its client's breaker is closed and no call to it lately failed for
want of an answer; such a failure marks it down at once (the breaker would need several
more to open), and the next health check that it answers marks it up again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs
from twisted.logger import Logger

from revenge.blackbeard.interface import (
    ITranscoder,
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)

DownReason = Literal["unavailable", "bad_gateway", "not_found"]
_log = Logger()


@attrs.define(eq=False)
class Member:
    """One Blackbeard of a pool: its client, a name for people and metrics, its load."""

    name: str
    transcoder: ITranscoder
    active: int = 0  # transcodes placed here and not deleted or moved away
    down: bool = False

    @property
    def up(self) -> bool:
        """Whether new transcodes may go here."""
        return not self.down and bool(self.transcoder.healthy)

    def mark_down(self, error: TranscoderError) -> None:
        """A call found this Blackbeard unreachable: keep new work away until it answers."""
        if not self.down:
            _log.warn("blackbeard {blackbeard} is down: {error}", blackbeard=self.name,
                      error=str(error))
        self.down = True


def down_reason(error: TranscoderError) -> DownReason | None:
    """Why ``error`` means the transcode must be made elsewhere (None: it does not).

    Unreachable (after the client's retries, or its breaker open) and a gateway's 502/504
    mean that Blackbeard is gone; ``transcode_not_found`` of a transcode the pool still holds
    means it restarted and lost it. A media failure, a 500 of one encoder or a 404 of a
    profile say nothing about where the transcode runs.
    """
    if isinstance(error, TranscodeNotFound):
        return "not_found"
    if isinstance(error, TranscoderUnavailable):
        return "unavailable"
    if error.status in (502, 504):
        return "bad_gateway"
    return None


def candidates(members: Sequence[Member], *, exclude: Member | None) -> list[Member]:
    """Members to try for a new transcode, best first: those up by fewest active transcodes
    (the configured order breaks ties), then those down (a breaker that is open fails
    fast), never ``exclude``."""
    return sorted((m for m in members if m is not exclude),
                  key=lambda m: (not m.up, m.active))
