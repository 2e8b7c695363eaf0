"""Transcoder metrics (default registry, ``revenge_blackbeard_`` prefix)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ENCODERS = Gauge("revenge_blackbeard_encoders", "ffmpeg processes alive (running or paused).")
ENCODER_STARTS = Counter("revenge_blackbeard_encoder_starts",
                         "ffmpeg starts by reason.", ["reason"])
SEGMENTS_MADE = Counter("revenge_blackbeard_segments_made", "Segments ffmpeg finished.")
PAUSES = Counter("revenge_blackbeard_encoder_pauses",
                 "Encoders paused for running too far ahead of demand.")
