"""Transcoder metrics (default registry, ``revenge_blackbeard_`` prefix).

The client's own metrics are ``revenge_blackbeard_client_*``; both live in one process
when the transcoder is embedded.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ENCODERS = Gauge("revenge_blackbeard_encoders_running",
                 "ffmpeg processes alive (running or paused).")
ENCODER_STARTS = Counter(
    "revenge_blackbeard_encoder_starts",
    "ffmpeg starts by reason: start, seek, restart_after_crash, resume, remux_fallback.",
    ["reason"])
SEGMENTS = Counter("revenge_blackbeard_segments_produced", "Segments ffmpeg finished.")
PAUSES = Counter("revenge_blackbeard_encoder_pauses",
                 "Encoders paused (SIGSTOP) for running a lookahead past demand.")
IDLE_STOPS = Counter("revenge_blackbeard_encoder_idle_stops",
                     "Encoders stopped because nobody asked for their profile.")
BUSY = Counter("revenge_blackbeard_busy_refusals",
               "Encoder starts refused because every slot was taken.")
