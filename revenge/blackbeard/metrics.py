"""Metrics of the client's side of the Blackbeard contract (default registry).

Named ``revenge_blackbeard_client_*`` because the embedded transcoder registers its own
``revenge_blackbeard_*`` metrics in the same process.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "revenge_blackbeard_client_requests",
    "Calls to Blackbeard (one call includes its retries) by operation and outcome "
    "(ok, rejected, failed, unavailable, cancelled).",
    ["operation", "outcome"])
RETRIES = Counter(
    "revenge_blackbeard_client_retries",
    "Retries of Blackbeard calls by operation and reason "
    "(connection, timeout, truncated, server_error, not_ready, throttled).",
    ["operation", "reason"])
LATENCY = Histogram(
    "revenge_blackbeard_client_request_seconds",
    "Time of a Blackbeard call from the first attempt to its outcome, by operation.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
BREAKER_STATE = Gauge(
    "revenge_blackbeard_client_breaker_state",
    "1 for the circuit breaker's current state (closed, open, half_open), 0 for the others.",
    ["state"])
BREAKER_TRANSITIONS = Counter(
    "revenge_blackbeard_client_breaker_transitions",
    "Circuit breaker state changes by the state left and the state entered.",
    ["from_state", "to_state"])

BREAKER_STATE.labels("closed").set(1)
BREAKER_STATE.labels("open").set(0)
BREAKER_STATE.labels("half_open").set(0)
