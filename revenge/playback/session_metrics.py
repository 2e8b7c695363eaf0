"""Sessions by state, kept current as sessions change (no per-session labels)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Gauge

from revenge.playback.session import Session, State

SESSIONS = Gauge("revenge_playback_sessions", "Open playback sessions by state.", ["state"])


def changed(sessions: Iterable[Session]) -> None:
    """Recount the sessions by state."""
    tally = Tally(s.state for s in sessions)
    for state in State:
        SESSIONS.labels(state.value).set(tally.get(state, 0))
