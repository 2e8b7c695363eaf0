"""Stopping background work that runs one ffmpeg child at a time (subtitle extraction,
posters, thumbnails): the child running is killed, and none starts after."""

from __future__ import annotations

from typing import Protocol

from twisted.internet.defer import Deferred, succeed


class Stoppable(Protocol):
    """A running child: ``stop()`` fires once it is gone."""

    def stop(self) -> Deferred[None]: ...


class Halt:
    """The stop switch of one piece of work; ``running`` is the child it waits on now."""

    def __init__(self) -> None:
        self.stopped = False
        self.running: Stoppable | None = None

    def stop(self) -> Deferred[None]:
        """Stop; fires once no child of this work is left."""
        self.stopped = True
        return self.running.stop() if self.running is not None else succeed(None)
