"""Range-serving metrics (default registry, ``revenge_`` prefix); children pre-bound."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

KINDS = ("full", "single", "multi", "unsatisfiable", "not_modified", "precondition_failed")
# Only these kinds ever carry a body.
BODY_KINDS = ("full", "single", "multi")

STREAM_REQUESTS = Counter(
    "revenge_stream_requests", "Original-file requests, by route and range kind.",
    ["route", "kind"],
)
STREAM_BYTES = Counter(
    "revenge_stream_bytes", "Original-file body bytes sent, by route and range kind.",
    ["route", "kind"],
)
ACTIVE_STREAMS = Gauge("revenge_stream_active", "Original-file responses being written.")


class Writing:
    """How many responses are being written: a plain count, read when scraped (a Gauge's
    ``inc`` and ``dec`` are five calls and a lock each, on every segment and range)."""

    now = 0


ACTIVE_STREAMS.set_function(lambda: Writing.now)


class RouteMetrics:
    """The counters of one route, bound once so a request costs two increments.

    Make one per route at start-up (``RouteMetrics("/internal/stream/{id}")``) and share it.
    """

    def __init__(self, route: str) -> None:
        self.route = route
        self.requests = {kind: STREAM_REQUESTS.labels(route, kind) for kind in KINDS}
        self.bytes = {kind: STREAM_BYTES.labels(route, kind) for kind in BODY_KINDS}
