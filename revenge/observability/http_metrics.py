"""Metrics every HTTP request moves, whatever its route (default registry, ``revenge_`` prefix).

Every label takes a bounded set of values, since any client can make requests: ``listener``
is one of ours, ``route`` a template (``unmatched`` for paths no route took), ``method`` one
of ``METHODS`` or ``other``, ``status`` a status this server sent (or ``aborted``).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

METHODS = frozenset({b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH"})

REQUESTS = Counter(
    "revenge_http_requests", "HTTP requests answered.", ["listener", "route", "method", "status"]
)
LATENCY = Histogram(
    "revenge_http_request_duration_seconds",
    "Time from a request's arrival to its last byte handed to the transport.",
    ["listener", "route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BYTES_SENT = Counter(
    "revenge_http_response_bytes", "Response body bytes sent.", ["listener", "route"]
)


def method_label(method: bytes) -> str:
    """The ``method`` label of a request method: itself if standard, else ``other``."""
    return method.decode("ascii") if method in METHODS else "other"
