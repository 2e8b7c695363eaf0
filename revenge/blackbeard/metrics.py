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
# ``blackbeard`` names one configured Blackbeard (its URL, or ``embedded``): bounded by the
# configuration, never by what a client sends.
BREAKER_STATE = Gauge(
    "revenge_blackbeard_client_breaker_state",
    "1 for a Blackbeard's circuit breaker's current state (closed, open, half_open), 0 for "
    "the others.",
    ["blackbeard", "state"])
BREAKER_TRANSITIONS = Counter(
    "revenge_blackbeard_client_breaker_transitions",
    "Circuit breaker state changes by Blackbeard, the state left and the state entered.",
    ["blackbeard", "from_state", "to_state"])
POOL_UP = Gauge(
    "revenge_blackbeard_pool_up",
    "1 while the pool counts a Blackbeard as up (its breaker closed, no call lately failed "
    "for want of an answer), else 0.",
    ["blackbeard"])
POOL_TRANSCODES = Gauge(
    "revenge_blackbeard_pool_transcodes",
    "Transcodes the pool has placed on a Blackbeard and not deleted or moved away.",
    ["blackbeard"])
POOL_FAILOVERS = Counter(
    "revenge_blackbeard_pool_failovers",
    "Transcodes recreated on a Blackbeard because theirs failed, by reason "
    "(unavailable, bad_gateway, not_found).",
    ["reason"])
