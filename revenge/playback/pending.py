"""A player's segment requests under way: one its player jumped away from is given up.

A player loads one segment of a kind (video, audio) at a time, and a seek leaves the one it
was loading behind, often without a sign we can see: the connection stays open (half-closed
or not). Held on, that request keeps its fetch alive, and the transcoder's retries of it pull
the encoder back from where the player went. So a request of the same session and kind that
lands more than ``JUMP`` segments away gives up the ones under way.
"""

from __future__ import annotations

from typing import TypeVar

import attrs
from twisted.internet.defer import CancelledError, Deferred

from revenge.playback.errors import Superseded

T = TypeVar("T")
# Further than this from a request under way is a jump, not a player loading ahead.
JUMP = 2


@attrs.define
class PendingRequests:
    """One session's segment requests under way, by kind."""

    _waiting: dict[str, list[tuple[int, Deferred[object]]]] = attrs.field(factory=dict)

    def jump(self, kind: str, index: int) -> None:
        """A request for segment ``index`` came: give up those far from it."""
        for at, fetching in list(self._waiting.get(kind, [])):
            if abs(at - index) > JUMP:
                fetching.cancel()

    async def hold(self, kind: str, index: int, fetching: Deferred[T]) -> T:
        """Wait for ``fetching``; a ``Superseded`` if a jump gave it up."""
        mine: tuple[int, Deferred[object]] = (index, fetching)  # type: ignore[assignment]
        waiting = self._waiting.setdefault(kind, [])
        waiting.append(mine)
        try:
            return await fetching
        except CancelledError:
            raise Superseded(f"segment {index} was given up: the player went elsewhere") \
                from None
        finally:
            waiting.remove(mine)
