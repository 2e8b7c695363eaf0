"""Segment pipeline metrics (default registry, ``revenge_`` prefix).

The cache's hit ratio is ``revenge_cache_hits_total / (hits + misses)``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SEGMENTS_SERVED = Counter(
    "revenge_playback_segments_served", "Segments delivered to players, by source.", ["source"]
)
ORIGIN_LATENCY = Histogram(
    "revenge_playback_origin_fetch_seconds", "Time to fetch a segment from the transcoder.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30),
)
SEGMENT_LATENCY = Histogram(
    "revenge_playback_segment_seconds", "Time from a segment request to its bytes in hand.",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15),
)
PREFETCHES = Counter("revenge_playback_prefetches", "Segments fetched ahead of the player.")
PREFETCH_FAILURES = Counter(
    "revenge_playback_prefetch_failures", "Prefetches that failed (a later request retries)."
)
CACHE_BYTES = Gauge("revenge_cache_bytes", "Bytes of segments in the transcode cache.")
CACHE_ENTRIES = Gauge("revenge_cache_entries", "Segments in the transcode cache.")
CACHE_HITS = Counter("revenge_cache_hits", "Transcode cache lookups that found the segment.")
CACHE_MISSES = Counter("revenge_cache_misses", "Transcode cache lookups that did not.")
CACHE_EVICTIONS = Counter(
    "revenge_cache_evictions",
    "Segments evicted from the transcode cache, by reason: pressure (above the high mark, "
    "older than the retention), emergency (above the critical mark), memory (asked to shrink).",
    ["reason"],
)
BUFFER_BYTES = Gauge("revenge_buffer_bytes", "Bytes held in per-transcode segment buffers.")
