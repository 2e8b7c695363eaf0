"""Metrics of talking to Blackbeard (default registry, ``revenge_`` prefix)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CALLS = Counter("revenge_blackbeard_calls", "Calls to Blackbeard by operation and outcome.",
                ["operation", "outcome"])
RETRIES = Counter("revenge_blackbeard_retries", "Retried Blackbeard calls by operation, reason.",
                  ["operation", "reason"])
LATENCY = Histogram("revenge_blackbeard_call_seconds", "Blackbeard call time (all attempts).",
                    ["operation"], buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60))
BREAKER_STATE = Gauge("revenge_blackbeard_breaker_open",
                      "1 while the circuit breaker is open or half-open, else 0.")
BREAKER_CHANGES = Counter("revenge_blackbeard_breaker_transitions",
                          "Circuit breaker state changes, by new state.", ["state"])
