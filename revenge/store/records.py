"""The values the store keeps: plain frozen records, free of any database detail."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class StreamInfo:
    """One elementary stream of a media file, as the probe saw it."""

    index: int
    kind: str  # video | audio | subtitle | data
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    bitrate: int | None = None
    channels: int | None = None
    language: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StreamInfo:
        return cls(**doc)


@attrs.frozen
class ProbeResult:
    """What probing a file found, or why it failed (``error`` set, the rest empty)."""

    duration: float | None = None
    container: str | None = None
    bitrate: int | None = None
    title: str | None = None
    streams: tuple[StreamInfo, ...] = ()
    error: str | None = None

    @property
    def video(self) -> StreamInfo | None:
        """The first video stream, if any."""
        return next((s for s in self.streams if s.kind == "video"), None)


@attrs.frozen
class MediaRecord:
    """A file of the library: where it is, its identity on disk, and its probe."""

    id: str
    path: str  # absolute; never built from a request
    root: str
    size: int
    mtime_ns: int
    title: str
    probe: ProbeResult

    @property
    def relative_path(self) -> str:
        """The path below its media root: what the API shows instead of ``path``."""
        return self.path[len(self.root) :].lstrip("/")


@attrs.frozen
class SessionRecord:
    """A playback session as persisted, enough to resume it after a restart."""

    id: str
    user_id: str
    media_id: str
    state: str
    position: float
    options: dict[str, Any]
    created_at: float
    last_activity_at: float
