"""Range-serving metrics (default registry, ``revenge_`` prefix); children pre-bound."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

KINDS = ("full", "single", "multi", "unsatisfiable", "not_modified", "precondition_failed")

STREAM_REQUESTS = Counter(
    "revenge_stream_requests", "Original-file requests, by route and range kind.",
    ["route", "kind"],
)
STREAM_BYTES = Counter(
    "revenge_stream_bytes", "Original-file body bytes sent, by route.", ["route"]
)
ACTIVE_STREAMS = Gauge("revenge_stream_active", "Original-file responses being written.")


class RouteMetrics:
    """The counters of one route, bound once so a request costs two increments."""

    def __init__(self, route: str) -> None:
        self.requests = {kind: STREAM_REQUESTS.labels(route, kind) for kind in KINDS}
        self.bytes = STREAM_BYTES.labels(route)
