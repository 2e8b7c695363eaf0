"""The Blackbeard contract's values: what a transcode request and its status carry.

Both sides speak these: the client (``revenge.blackbeard.client``) serialises them and the
embedded transcoder (``revenge.transcoder``) parses them. ``to_json``/``from_json`` are the
only wire format; ``from_json`` raises ``ContractError`` on anything malformed.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

VideoCodec = Literal["copy", "h264"]
AudioCodec = Literal["copy", "aac"]


class ContractError(ValueError):
    """A contract document is malformed (wrong type, missing or out-of-range field)."""


def _require(doc: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in doc:
        raise ContractError(f"missing field {key!r}")
    value = doc[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise ContractError(f"field {key!r} has the wrong type")
    return value


@attrs.frozen
class Profile:
    """One rung of the ladder: a rendition Blackbeard produces."""

    name: str
    height: int
    video_bitrate: int  # bits per second
    audio_bitrate: int  # bits per second
    video_codec: VideoCodec = "h264"
    audio_codec: AudioCodec = "aac"

    @property
    def bandwidth(self) -> int:
        """Peak bits per second of the rendition, as a playlist's BANDWIDTH states it."""
        return self.video_bitrate + self.audio_bitrate

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, doc: Any) -> Profile:
        if not isinstance(doc, dict):
            raise ContractError("a profile must be an object")
        name = _require(doc, "name", str)
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ContractError("profile name must be alphanumeric (with - or _)")
        height = _require(doc, "height", int)
        video_bitrate = _require(doc, "video_bitrate", int)
        audio_bitrate = _require(doc, "audio_bitrate", int)
        if height <= 0 or video_bitrate <= 0 or audio_bitrate <= 0:
            raise ContractError("height and bitrates must be positive")
        video_codec = doc.get("video_codec", "h264")
        audio_codec = doc.get("audio_codec", "aac")
        if video_codec not in ("copy", "h264"):
            raise ContractError("video_codec must be copy or h264")
        if audio_codec not in ("copy", "aac"):
            raise ContractError("audio_codec must be copy or aac")
        return cls(name, height, video_bitrate, audio_bitrate, video_codec, audio_codec)


@attrs.frozen
class TranscodeRequest:
    """``POST /api/v1/transcodes``: what to read, how long it is and what to make of it."""

    source_url: str
    duration: float  # seconds
    profiles: tuple[Profile, ...]
    source_headers: dict[str, str] = attrs.field(factory=dict)
    segment_duration: float = 6.0
    start_segment: int = 0

    @property
    def segment_count(self) -> int:
        """Segments in every profile's playlist (the last one may be short)."""
        whole, rest = divmod(self.duration, self.segment_duration)
        return int(whole) + (1 if rest > 1e-6 else 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "source_url": self.source_url,
            "source_headers": dict(self.source_headers),
            "duration": self.duration,
            "profiles": [p.to_json() for p in self.profiles],
            "segment_duration": self.segment_duration,
            "start_segment": self.start_segment,
        }

    @classmethod
    def from_json(cls, doc: Any) -> TranscodeRequest:
        if not isinstance(doc, dict):
            raise ContractError("the request must be a JSON object")
        source_url = _require(doc, "source_url", str)
        if not source_url.startswith(("http://", "https://")):
            raise ContractError("source_url must be an http(s) URL")
        headers = doc.get("source_headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ContractError("source_headers must map strings to strings")
        duration = float(_require(doc, "duration", (int, float)))
        if not 0 < duration < 7 * 24 * 3600:
            raise ContractError("duration must be positive seconds")
        raw_profiles = _require(doc, "profiles", list)
        if not raw_profiles:
            raise ContractError("at least one profile is needed")
        profiles = tuple(Profile.from_json(p) for p in raw_profiles)
        if len({p.name for p in profiles}) != len(profiles):
            raise ContractError("profile names must be unique")
        segment_duration = float(doc.get("segment_duration", 6.0))
        if not 1.0 <= segment_duration <= 60.0:
            raise ContractError("segment_duration must be between 1 and 60 seconds")
        start_segment = doc.get("start_segment", 0)
        if not isinstance(start_segment, int) or isinstance(start_segment, bool):
            raise ContractError("start_segment must be an integer")
        request = cls(source_url, duration, profiles, headers, segment_duration, start_segment)
        if not 0 <= start_segment < request.segment_count:
            raise ContractError("start_segment is outside the media")
        return request


TranscodeState = Literal["running", "paused", "finished", "failed"]


@attrs.frozen
class TranscodeStatus:
    """``GET /api/v1/transcodes/{id}``: where each profile's encode stands."""

    id: str
    state: TranscodeState
    segment_count: int
    # Per profile: the highest index below which every segment is written (-1: none yet).
    last_segment: dict[str, int]
    errors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "segment_count": self.segment_count,
            "last_segment": dict(self.last_segment),
            "errors": list(self.errors),
        }

    @classmethod
    def from_json(cls, doc: Any) -> TranscodeStatus:
        if not isinstance(doc, dict):
            raise ContractError("the status must be a JSON object")
        state = _require(doc, "state", str)
        if state not in ("running", "paused", "finished", "failed"):
            raise ContractError(f"unknown state {state!r}")
        last = _require(doc, "last_segment", dict)
        errors = doc.get("errors", [])
        return cls(
            id=_require(doc, "id", str),
            state=state,
            segment_count=_require(doc, "segment_count", int),
            last_segment={str(k): int(v) for k, v in last.items()},
            errors=tuple(str(e) for e in errors),
        )
