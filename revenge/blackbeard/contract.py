"""The Blackbeard contract's values: what a transcode request and its status carry.

Both sides speak these: the client (``revenge.blackbeard.client``) serialises them and the
embedded transcoder (``revenge.transcoder``) parses them. ``to_json``/``from_json`` are the
only wire format; ``from_json`` raises ``ContractError`` naming the bad field.

A transcode makes *renditions*: video profiles (pictures only) and audio profiles (one
source audio track each, sound only), all cut on one ``Timeline``, so that any video
variant plays with any audio rendition and switching between them splices.
"""

from __future__ import annotations

import functools
from typing import Any, Literal, TypeVar

import attrs

from revenge.blackbeard.fields import Check, ContractError, Fields, checked, read
from revenge.blackbeard.naming import RENDITION, SegmentFormat
from revenge.blackbeard.source import Source
from revenge.blackbeard.timeline import Timeline, bootstrap_fits

__all__ = ["AudioProfile", "ContractError", "Rendition", "TranscodeRequest", "TranscodeState",
           "TranscodeStatus", "VideoProfile"]

VideoCodec = Literal["copy", "h264"]
AudioCodec = Literal["copy", "aac"]
MIN_BITRATE = 16_000
MAX_BITRATE = 400_000_000
MAX_WIDTH, MAX_HEIGHT = 7680, 4320
_URL = Check(kind="text", max_length=8192)
_SEGMENT = Check(kind="number", low=1.0, high=60.0)
_START = Check(kind="integer", low=0, high=10_000_000)
_BOOTSTRAP = Check(kind="number", low=0.0, high=60.0)


_NAME = {"max_length": 32}
_BITRATE = {"low": MIN_BITRATE, "high": MAX_BITRATE}


def _profile(cls: type[P], f: Fields, path: str) -> P:
    """A profile read by its declared checks, its name held to the naming rules."""
    profile = read(cls, f)
    if not RENDITION.match(profile.name):
        raise ContractError(f"{path}.name must be letters, digits, - or _ (at most 32)")
    return profile


@attrs.frozen(kw_only=True)
class VideoProfile:
    """A video rendition: pictures of ``width`` x ``height`` at about ``bitrate`` bits/s."""

    name: str = checked("text", **_NAME)
    width: int = checked("integer", low=2, high=MAX_WIDTH, even=True)
    height: int = checked("integer", low=2, high=MAX_HEIGHT, even=True)
    bitrate: int = checked("integer", **_BITRATE)  # bits/s (``copy``: the source's average)
    codec: VideoCodec = checked("text", "h264", choices=("copy", "h264"))
    frame_rate: float | None = checked("number", None, low=1.0, high=240.0)  # None: source's
    # For ``copy``: the source's highest segment bitrate, when known (BANDWIDTH).
    peak_bitrate: int | None = checked("integer", None, **_BITRATE)
    format: SegmentFormat = checked("text", "ts", choices=("ts", "fmp4"))
    # The stream index of a picture subtitle of the source to draw into every frame.
    burn_subtitle: int | None = checked("integer", None, low=0, high=1023)

    kind = "video"


@attrs.frozen(kw_only=True)
class AudioProfile:
    """An audio rendition: source audio track ``track`` as ``channels``-channel sound."""

    name: str = checked("text", **_NAME)
    track: int = checked("integer", low=0, high=1023)  # the source track's stream index
    bitrate: int = checked("integer", **_BITRATE)
    codec: AudioCodec = checked("text", "aac", choices=("copy", "aac"))
    channels: int = checked("integer", 2, low=1, high=8)
    language: str | None = checked("text", None, max_length=35)  # BCP 47
    label: str | None = checked("text", None, max_length=128)  # EXT-X-MEDIA NAME
    default: bool = checked("flag", False)

    kind = "audio"


P = TypeVar("P", VideoProfile, AudioProfile)
Rendition = VideoProfile | AudioProfile


@attrs.frozen(kw_only=True)
class TranscodeRequest:
    """``POST /api/v1/transcodes``: what to read, what it holds and what to make of it."""

    source_url: str
    source: Source
    video: tuple[VideoProfile, ...] = ()
    audio: tuple[AudioProfile, ...] = ()
    source_headers: dict[str, str] = attrs.field(factory=dict)
    segment_duration: float = 6.0
    start_segment: int = 0
    # The first segment_duration seconds cut this often (0: not): a sooner first segment.
    bootstrap_duration: float = 0.0

    @property
    def duration(self) -> float:
        """Seconds of media."""
        return self.source.duration

    @functools.cached_property
    def timeline(self) -> Timeline:
        """Where every rendition's segments start and end (worked out once: every segment
        request and status poll asks, and a long film has thousands of boundaries)."""
        return Timeline(self.source.duration, self.segment_duration, self.bootstrap_duration)

    @property
    def segment_count(self) -> int:
        """Segments in every rendition's playlist."""
        return self.timeline.count

    @property
    def renditions(self) -> tuple[Rendition, ...]:
        """Every rendition: the video profiles, then the audio ones."""
        return (*self.video, *self.audio)

    def to_json(self) -> dict[str, Any]:
        # Sent only when set, so that a Blackbeard that predates it still takes the request.
        bootstrap = {"bootstrap_duration": self.bootstrap_duration} \
            if self.bootstrap_duration else {}
        return {
            "source_url": self.source_url,
            "source_headers": dict(self.source_headers),
            "source": self.source.to_json(),
            "video": [attrs.asdict(p) for p in self.video],
            "audio": [attrs.asdict(p) for p in self.audio],
            "segment_duration": self.segment_duration,
            "start_segment": self.start_segment,
            **bootstrap,
        }

    @classmethod
    def from_json(cls, doc: Any) -> TranscodeRequest:
        f = Fields(doc, "")
        source_url = f.value("source_url", _URL)
        if not source_url.startswith(("http://", "https://")):
            raise ContractError("source_url must be an http(s) URL")
        source_fields = f.object("source")
        assert source_fields is not None
        request = cls(
            source_url=source_url, source_headers=f.mapping("source_headers"),
            source=Source.from_fields(source_fields),
            video=tuple(_profile(VideoProfile, p, f"video[{i}]")
                        for i, p in enumerate(f.objects("video", []))),
            audio=tuple(_profile(AudioProfile, p, f"audio[{i}]")
                        for i, p in enumerate(f.objects("audio", []))),
            segment_duration=f.value("segment_duration", _SEGMENT, 6.0),
            start_segment=f.value("start_segment", _START, 0),
            bootstrap_duration=f.value("bootstrap_duration", _BOOTSTRAP, 0.0),
        )
        request.check()
        return request

    def check(self) -> None:
        """Refuse a request whose parts do not fit together."""
        if self.bootstrap_duration and not bootstrap_fits(self.segment_duration,
                                                          self.bootstrap_duration):
            raise ContractError("bootstrap_duration must divide segment_duration")
        names = [r.name for r in self.renditions]
        if not names:
            raise ContractError("at least one video or audio profile is needed")
        if len(set(names)) != len(names):
            raise ContractError("profile names must be unique")
        if self.video and self.source.video is None:
            raise ContractError("video profiles need source.video")
        known = {a.index for a in self.source.audio}
        for i, profile in enumerate(self.audio):
            if profile.track not in known:
                raise ContractError(f"audio[{i}].track names no audio track of source.audio")
        subtitles = {s.index for s in self.source.subtitles}
        for i, video in enumerate(self.video):
            if video.burn_subtitle is None:
                continue
            if video.burn_subtitle not in subtitles:
                raise ContractError(
                    f"video[{i}].burn_subtitle names no subtitle track of source.subtitles")
            if video.codec == "copy":
                raise ContractError(f"video[{i}].burn_subtitle needs an encoded video "
                                    "(a copy cannot draw)")
        if not 0 <= self.start_segment < self.segment_count:
            raise ContractError("start_segment is outside the media")


TranscodeState = Literal["running", "paused", "finished", "failed"]
_STATES: tuple[TranscodeState, ...] = ("running", "paused", "finished", "failed")


@attrs.frozen
class TranscodeStatus:
    """``GET /api/v1/transcodes/{id}``: where each rendition's encode stands."""

    id: str
    state: TranscodeState
    segment_count: int
    # Per rendition: the highest index below which every segment is written (-1: none yet).
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
        f = Fields(doc, "")
        last = f.raw("last_segment", {})
        if not isinstance(last, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                for k, v in last.items()):
            raise ContractError("last_segment must map names to integers")
        errors = f.raw("errors", [])
        if not isinstance(errors, list):
            raise ContractError("errors must be a list")
        return cls(
            id=f.value("id", Check(kind="text", max_length=128)),
            state=f.value("state", Check(kind="text", choices=_STATES)),
            segment_count=f.value("segment_count", _START),
            last_segment=dict(last), errors=tuple(str(e)[:500] for e in errors[:20]),
        )
