"""Accounting for one finished (or aborted) HTTP request: the metrics every listener moves
and its structured log event. Shared by every listener's ``Site``, so all count and log the
same way."""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from revenge.observability.http_metrics import BYTES_SENT, LATENCY, REQUESTS, method_label

_log = Logger(namespace="revenge.http")


class RequestMeter:
    """The request metrics of one listener, with label children bound once: on a hot path
    ``labels()`` costs more than the increment itself."""

    def __init__(self, listener: str) -> None:
        self.listener = listener
        # Bounded as the label sets are: route templates, known methods, real statuses.
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._by_route: dict[str, tuple[Any, Any]] = {}

    def record(self, *, route: str, method: bytes, path: bytes, status: str, duration: float,
               sent: int, log: bool) -> None:
        """Count the request; emit its log event when ``log``."""
        key = (route, method_label(method), status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = REQUESTS.labels(self.listener, *key)
        counter.inc()
        timing = self._by_route.get(route)
        if timing is None:
            timing = self._by_route[route] = (LATENCY.labels(self.listener, route),
                                              BYTES_SENT.labels(self.listener, route))
        timing[0].observe(duration)
        timing[1].inc(sent)
        if log:
            _log.info("{method} {path} {status} {bytes}B {duration_ms:.1f}ms",
                      method=method.decode("ascii", "replace"),
                      path=path.decode("utf-8", "replace"), route=route, status=status,
                      bytes=sent, duration_ms=duration * 1000, listener=self.listener)
