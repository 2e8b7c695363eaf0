"""A playback session and its state machine: buffering → playing ⇄ paused → stopped."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import attrs

from revenge.playback.adaptation import Adapter
from revenge.playback.ladder import Ladder
from revenge.playback.pending import PendingRequests
from revenge.store.records import Preferences, SessionRecord


class State(StrEnum):
    """Where a session stands."""

    BUFFERING = "buffering"
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"


# Stopped is final; everything else may go anywhere else.
ALLOWED: dict[State, frozenset[State]] = {
    State.BUFFERING: frozenset({State.PLAYING, State.PAUSED, State.STOPPED}),
    State.PLAYING: frozenset({State.BUFFERING, State.PAUSED, State.STOPPED}),
    State.PAUSED: frozenset({State.PLAYING, State.BUFFERING, State.STOPPED}),
    State.STOPPED: frozenset(),
}


@attrs.frozen
class SessionOptions:
    """What the player asked for when it opened the session."""

    start_position: float = 0.0
    max_bitrate: int | None = None
    profile: str | None = None
    abr: Literal["client", "server"] = "client"
    # Positions among the media's audio tracks and subtitle tracks (None: the user's
    # preferred languages decide); burn the chosen (picture) subtitle into the video.
    audio_track: int | None = None
    subtitle_track: int | None = None
    burn_subtitles: bool = False

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @staticmethod
    def fields() -> frozenset[str]:
        """The names of the options (what a persisted session's options may hold)."""
        return frozenset(f.name for f in attrs.fields(SessionOptions))


@attrs.define
class SessionStats:
    """Stream metrics of one session."""

    segments: dict[str, int] = attrs.field(factory=lambda: {"buffer": 0, "cache": 0, "origin": 0})
    bytes_sent: int = 0
    media_seconds_sent: float = 0.0
    errors: int = 0
    # A segment the player had to wait for the origin to make; and the time it waited.
    buffering_events: int = 0
    buffer_time: float = 0.0
    last_served_from: str | None = None

    @property
    def average_bitrate(self) -> float | None:
        """Bits per second of media delivered, over the media time delivered."""
        if not self.media_seconds_sent:
            return None
        return self.bytes_sent * 8 / self.media_seconds_sent

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": dict(self.segments),
            "bytes_sent": self.bytes_sent,
            "average_bitrate": self.average_bitrate,
            "errors": self.errors,
            "buffering_events": self.buffering_events,
            "buffer_time": round(self.buffer_time, 3),
            "last_served_from": self.last_served_from,
        }


@attrs.define
class Session:
    """One player watching one media item; mutable, owned by the playback service."""

    id: str
    user_id: str
    media_id: str
    mode: Literal["direct", "transcode"]
    ladder: Ladder
    options: SessionOptions
    created_at: float
    last_activity_at: float
    state: State = State.BUFFERING
    position: float = 0.0
    user_name: str = ""
    client_address: str | None = None
    # The user's preferred languages when the session opened (tracks not chosen follow them).
    preferences: Preferences = attrs.field(factory=Preferences)
    # When the position segment requests imply was last written (heartbeats write at once).
    progress_saved_at: float = 0.0
    # Only real progress may move a resume position: set once a segment has been delivered
    # or the player has reported playing.
    progressed: bool = False
    stats: SessionStats = attrs.field(factory=SessionStats)
    # Its segment requests under way, and the audio rendition it last asked a segment of
    # (neither persisted).
    requests: PendingRequests = attrs.field(factory=PendingRequests)
    sound: str | None = None
    adapter: Adapter = attrs.field(
        default=attrs.Factory(
            lambda self: Adapter(self.id, self.ladder.variants,
                                 server_abr=self.options.abr == "server"),
            takes_self=True,
        )
    )

    def touch(self, now: float) -> None:
        """Note activity (every request of the session does)."""
        self.last_activity_at = now

    def move_to(self, new: State) -> bool:
        """Change state if the machine allows it; return whether it changed."""
        if new == self.state:
            return False
        if new not in ALLOWED[self.state]:
            return False
        self.state = new
        return True

    def segment_delivered(self, position: float) -> None:
        """A segment starting at ``position`` reached the player: it is playing."""
        self.position = position
        self.progressed = True
        if self.state is State.BUFFERING:
            self.move_to(State.PLAYING)

    def heartbeat(self, position: float, state: State) -> None:
        """The player reports where it is and what it is doing."""
        self.position = position
        if state is State.PLAYING:
            self.progressed = True
        self.move_to(state)

    def to_record(self) -> SessionRecord:
        """The persisted form."""
        options = {**self.options.to_json(), "mode": self.mode, "user_name": self.user_name,
                   "client_address": self.client_address,
                   "preferences": self.preferences.to_json()}
        return SessionRecord(self.id, self.user_id, self.media_id, self.state.value,
                             self.position, options, self.created_at, self.last_activity_at)
