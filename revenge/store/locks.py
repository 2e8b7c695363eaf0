"""Named locks a store hands out (``IStore.try_lock``): one holder at a time per name.

PostgreSQL's are advisory locks, held by a connection and so by one node of a cluster;
a store no other node shares (SQLite, memory) needs only ``LocalLocks``, within the process.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from twisted.internet.defer import Deferred, succeed


@attrs.frozen
class Lease:
    """A lock held until ``release`` (whose Deferred fires once it is let go)."""

    release: Callable[[], Deferred[None]]


@attrs.define
class LocalLocks:
    """Named locks in this process."""

    _held: set[str] = attrs.field(factory=set)

    def try_lock(self, name: str) -> Deferred[Lease | None]:
        """A lease on ``name``, or None while another holds it."""
        if name in self._held:
            return succeed(None)
        self._held.add(name)

        def release() -> Deferred[None]:
            self._held.discard(name)
            return succeed(None)

        return succeed(Lease(release))
