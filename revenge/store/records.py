"""The values the store keeps: plain frozen records, free of any database detail."""

from __future__ import annotations

from typing import Any

import attrs

# Bumped whenever the probe learns something new: records probed by an older one are probed
# again on the next scan, so nobody has to delete a database to see the new facts.
PROBE_VERSION = 3


@attrs.frozen(kw_only=True)
class StreamInfo:
    """One elementary stream of a media file, as the probe saw it.

    Names are codec names (``h264``, ``hevc``, ``av1``, ``mp3``), never decoder names.
    Times are in seconds on the file's own clock (``start`` as the demuxer reports it).
    """

    index: int
    kind: str  # video | audio | subtitle | data | attachment
    codec: str | None = None
    # RFC 6381 ``CODECS`` value of this bitstream (``avc1.64001f``, ``hvc1.2.4.L120.90``,
    # ``mp4a.40.2``), where it can be told from the stream.
    codec_string: str | None = None
    profile: str | None = None  # as FFmpeg names it: "High", "Main 10", "LC"
    level: int | None = None  # as coded: 40 for H.264 4.0, 120 for HEVC 4.0
    bitrate: int | None = None
    start: float | None = None
    duration: float | None = None
    language: str | None = None  # BCP 47 ("fr", "pt-BR"); None for undetermined
    title: str | None = None
    default: bool = False
    forced: bool = False
    # video (and PGS subtitles: the picture size their captions are placed on)
    width: int | None = None  # coded picture
    height: int | None = None
    display_width: int | None = None  # as shown: sample aspect ratio and rotation applied
    display_height: int | None = None
    sample_aspect_ratio: str | None = None  # "64:45"
    display_aspect_ratio: str | None = None  # "16:9"
    rotation: int = 0  # degrees clockwise the picture is turned for display: 0, 90, 180, 270
    frame_rate: float | None = None  # average frames per second
    variable_frame_rate: bool = False
    bit_depth: int | None = None
    pixel_format: str | None = None
    field_order: str | None = None  # progressive | tt | bb | tb | bt
    color_transfer: str | None = None  # sdr | pq | hlg
    color_primaries: str | None = None  # as FFmpeg names them: bt709, bt2020
    color_space: str | None = None  # matrix coefficients: bt709, bt2020nc
    attached_picture: bool = False  # cover art, not a video track
    # Segment boundaries (multiples of this many seconds) all fall on keyframes, so the
    # stream can be remuxed into segments as it is; None when not (or not known).
    keyframes_aligned_to: float | None = None
    # The short first segments' duration, when their boundaries have keyframes too (a
    # remux then starts with them); None when not, or not checked.
    keyframes_bootstrap: float | None = None
    # The longest gap between keyframes seen (seconds): how far before a wanted time a seek
    # must land in a container without an index (MPEG-TS, -PS) to find a keyframe.
    keyframe_interval: float | None = None
    # audio
    channels: int | None = None
    channel_layout: str | None = None  # "stereo", "5.1(side)"
    sample_rate: int | None = None
    # subtitle
    text: bool | None = None  # a text subtitle (SRT, ASS, mov_text, WebVTT), not a picture

    @property
    def interlaced(self) -> bool:
        """Whether the pictures are fields to be deinterlaced."""
        return self.field_order in ("tt", "bb", "tb", "bt")

    @property
    def end(self) -> float | None:
        """When the stream ends on the file's clock."""
        if self.start is None or self.duration is None:
            return None
        return self.start + self.duration

    def to_json(self) -> dict[str, Any]:
        defaults = {"rotation": 0, "default": False, "forced": False,
                    "variable_frame_rate": False, "attached_picture": False}
        return {k: v for k, v in attrs.asdict(self).items()
                if v is not None and defaults.get(k, object()) != v}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StreamInfo:
        known = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


@attrs.frozen(kw_only=True)
class ProbeResult:
    """What probing a file found, or why it failed (``error`` set, the rest empty)."""

    duration: float | None = None  # what the file really holds (a truncated file: less)
    start: float | None = None  # the container's start time
    container: str | None = None
    bitrate: int | None = None
    title: str | None = None
    streams: tuple[StreamInfo, ...] = ()
    # Container tags people care about (music): artist, album, album_artist, track, disc,
    # date, genre, composer; only those present.
    tags: dict[str, str] = attrs.field(factory=dict)
    # The header promised more than the file holds (an interrupted download or copy).
    truncated: bool = False
    error: str | None = None
    version: int = PROBE_VERSION

    @property
    def video(self) -> StreamInfo | None:
        """The first video track (cover art is not one), if any."""
        return next((s for s in self.streams if s.kind == "video" and not s.attached_picture),
                    None)

    @property
    def audio(self) -> tuple[StreamInfo, ...]:
        """The audio tracks, in file order."""
        return tuple(s for s in self.streams if s.kind == "audio")

    @property
    def cover(self) -> StreamInfo | None:
        """An embedded picture (album art, a poster), if any."""
        return next((s for s in self.streams if s.attached_picture), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "duration": self.duration, "start": self.start, "container": self.container,
            "bitrate": self.bitrate, "title": self.title,
            "streams": [s.to_json() for s in self.streams], "tags": dict(self.tags),
            "truncated": self.truncated, "error": self.error, "version": self.version,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ProbeResult:
        return cls(
            duration=doc.get("duration"), start=doc.get("start"),
            container=doc.get("container"), bitrate=doc.get("bitrate"),
            title=doc.get("title"),
            streams=tuple(StreamInfo.from_json(s) for s in doc.get("streams", [])),
            tags=dict(doc.get("tags", {})), truncated=bool(doc.get("truncated", False)),
            error=doc.get("error"), version=int(doc.get("version", 1)),
        )


@attrs.frozen
class Sidecar:
    """A subtitle file beside a media file (``Film.en.srt`` beside ``Film.mkv``), as the scan
    saw it: its size and mtime say when what was made from it is stale."""

    path: str  # absolute
    size: int
    mtime_ns: int

    def to_json(self) -> list[Any]:
        return [self.path, self.size, self.mtime_ns]

    @classmethod
    def from_json(cls, doc: list[Any]) -> Sidecar:
        path, size, mtime_ns = doc
        return cls(str(path), int(size), int(mtime_ns))


@attrs.frozen
class MediaRecord:
    """A file of the library: where it is, its identity on disk, its probe, and the subtitle
    files beside it (sorted by file name)."""

    id: str
    path: str  # absolute; never built from a request
    root: str
    size: int
    mtime_ns: int
    title: str
    probe: ProbeResult
    sidecars: tuple[Sidecar, ...] = ()

    @property
    def relative_path(self) -> str:
        """The path below its media root: what the API shows instead of ``path``."""
        return self.path[len(self.root) :].lstrip("/")


@attrs.frozen
class Progress:
    """Where a user stopped in a media, and when (seconds since the epoch)."""

    media_id: str
    position: float
    at: float


@attrs.frozen
class Preferences:
    """A user's preferred languages (BCP 47), for tracks a player did not choose, and when
    subtitles show by themselves (``SUBTITLE_MODES``)."""

    audio_language: str | None = None
    subtitle_language: str | None = None
    subtitle_mode: str = "auto"

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Preferences:
        languages = {k: v for k, v in doc.items()
                     if k in ("audio_language", "subtitle_language") and isinstance(v, str)}
        mode = doc.get("subtitle_mode")
        return cls(**languages, subtitle_mode=mode if mode in SUBTITLE_MODES else "auto")


# When a stream shows subtitles the player did not ask for: "auto", the preferred language
# when the sound is in another one, else forced captions in the sound's language, else the
# file's default; "always", the preferred language even in the sound's own; "forced",
# forced captions only; "off", none.
SUBTITLE_MODES = ("auto", "always", "forced", "off")


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
