"""Demand pacing: how far an encoder may run, when a request restarts it, when it stops.

Jellyfin's "throttle the encoder" was switched off as broken; here the encoder is paced by
what players ask for. These are the pure decisions; ``Transcode`` applies them.
"""

from __future__ import annotations

from collections.abc import Container

import attrs


@attrs.frozen(kw_only=True)
class Pacing:
    """The knobs of demand pacing (segment counts, or seconds where named so)."""

    # Segments an encoder may finish or work on past the furthest segment asked for.
    lookahead: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    # A profile nobody asked a segment of for this many segment durations loses its encoder.
    idle_segments: float = 3.0
    # Seconds a request for a segment not written yet waits before ``503 Retry-After``.
    wait: float = 10.0
    # A request more than this many segments past the one being written restarts there.
    seek_ahead: int = 4
    # Profiles whose runs are (or are wanted) at most this many segments apart are made by
    # one ffmpeg that decodes the source once.
    join: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    # Seconds between SIGTERM and SIGKILL when the service stops.
    stop_grace: float = 5.0


def should_pause(pacing: Pacing, *, writing: int, furthest: int) -> bool:
    """True when the encoder, now writing segment ``writing``, is far enough ahead.

    The segment being written counts against the lookahead: the SIGSTOP lands a moment
    after ffmpeg reports a segment, and a small, fast profile can finish a whole segment in
    that moment; counting the one in progress keeps such an overshoot within the bound.
    """
    return writing >= furthest + pacing.lookahead


def needs_seek(pacing: Pacing, *, index: int, run_start: int, writing: int) -> bool:
    """True when segment ``index`` is better made by a new ffmpeg started at it.

    Behind where the current run started, the run will never make it; far ahead of what
    is being written, waiting would take longer than starting over there.
    """
    return index < run_start or index > writing + pacing.seek_ahead


def first_missing(done: Container[int], *, start: int, count: int) -> int | None:
    """The first segment at or after ``start`` that is not written, or None."""
    for index in range(start, count):
        if index not in done:
            return index
    return None
