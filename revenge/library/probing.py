"""The probe's work on one open container: streams, real extent, keyframes and tags.

The order matters for speed: the start of the file is read once (``read_head``), then
the end is checked (``measure_ends``), then the keyframes (``keyframes``), each seeking
rather than reading what lies between.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import attrs
import av
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.stream import VideoStream

from revenge.library.extent import better_than_header, measure_ends
from revenge.library.head import read_head
from revenge.library.keyframes import Keyframes, cheap_to_scan, keyframes
from revenge.library.pgs import PGS, presentation_sizes
from revenge.library.streams import stream_info, stream_times
from revenge.store.records import ProbeResult, StreamInfo

T = TypeVar("T")

_TAGS = ("title", "artist", "album", "album_artist", "track", "disc", "date", "genre",
         "composer")
# Other spellings of those (Vorbis comments, Matroska tags, ID3 leftovers).
_TAG_SYNONYMS = {"albumartist": "album_artist", "album artist": "album_artist",
                 "tracknumber": "track", "discnumber": "disc", "year": "date",
                 "date_released": "date", "date_recorded": "date"}
# Formats whose tags live on the (audio) stream: Vorbis comments in Ogg (Opus, Vorbis).
_STREAM_TAG_FORMATS = {"ogg", "flac"}


def probe_container(container: InputContainer, *, path: Path, size: int,
                    segment_duration: float | None,
                    bootstrap_duration: float) -> ProbeResult:
    """Probe the open ``container`` of the file ``path``, of ``size`` bytes (blocking)."""
    media = [s for s in container.streams if _is_media(s)]
    if not media:
        return ProbeResult(error="no audio or video stream")
    start = container.start_time / 1_000_000 if container.start_time is not None else None
    origin = start or 0.0
    video = next((s for s in media if isinstance(s, VideoStream)), None)
    head = _optional(lambda: read_head(container, video)) if video else None
    claimed = _claimed_end(container, media, origin)
    ends = _optional(lambda: measure_ends(container, media, path=path, size=size,
                                          claimed_end=claimed, start=origin)) or {}
    real_end = max((ends[s.index] for s in media if s.index in ends), default=None)
    truncated = (claimed is not None and real_end is not None
                 and real_end < claimed - max(1.0, 0.002 * (claimed - origin)))
    end = real_end if truncated or claimed is None else claimed
    duration = round(end - origin, 6) if end is not None and end > origin else None
    found = None
    # A large file cut short has lost its index (Matroska's Cues come last): checking it
    # would mean reading it all. Such a file is transcoded.
    if (video is not None and head is not None and duration
            and not (truncated and not cheap_to_scan(size, duration))):
        found = _keyframes(container, video, origin, duration, size,
                           segment=segment_duration, bootstrap=bootstrap_duration)
        if found is not None and not head.starts_on_keyframe:  # no first segment to cut
            found = attrs.evolve(found, aligned_to=None, bootstrap=None)
    # Where the header's per-stream durations are FFmpeg's estimates (MPEG-TS/PS), or
    # promise too much, the ends measured are the better word.
    measured = truncated or better_than_header(container.format.name)
    streams = tuple(
        stream_info(s, head=head if s is video else None,
                    end=ends.get(s.index) if measured else None,
                    keyframes=found if s is video else None)
        for s in container.streams)
    streams = _with_canvases(container, streams)
    tags = _tags(container)
    return ProbeResult(duration=duration, start=start, container=container.format.name,
                       bitrate=container.bit_rate or None, title=tags.get("title"),
                       streams=streams, tags=tags, truncated=truncated)


def _with_canvases(container: InputContainer,
                   streams: tuple[StreamInfo, ...]) -> tuple[StreamInfo, ...]:
    """PGS tracks with the picture size their captions are drawn for (as width, height)."""
    pgs = [s for s in container.streams if s.type == "subtitle"
           and any(i.index == s.index and i.codec == PGS for i in streams)]
    sizes = _optional(lambda: presentation_sizes(container, pgs)) if pgs else None
    return tuple(attrs.evolve(s, width=sizes[s.index][0], height=sizes[s.index][1])
                 if sizes and s.index in sizes else s for s in streams)


def _is_media(stream: Stream) -> bool:
    """An audio or video track with known codec parameters; cover art is no track."""
    return (stream.type in ("video", "audio")
            and getattr(stream, "codec_context", None) is not None
            and not stream.disposition & Disposition.attached_pic)


def _optional(step: Callable[[], T]) -> T | None:
    """Run a step whose facts the probe can do without when the file will not tell them."""
    try:
        return step()
    except (av.FFmpegError, OSError):
        return None


def _claimed_end(container: InputContainer, media: Sequence[Stream],
                 origin: float) -> float | None:
    """Where the header says the audio and video end (a subtitle may run on past them)."""
    ends = []
    for stream in media:
        start, duration = stream_times(stream)
        if duration is not None:
            ends.append((origin if start is None else start) + duration)
    if ends:
        return max(ends)
    return origin + container.duration / 1_000_000 if container.duration else None


def _keyframes(container: InputContainer, video: VideoStream, origin: float,
               duration: float, size: int, *, segment: float | None,
               bootstrap: float) -> Keyframes | None:
    rate = video.average_rate or video.guessed_rate
    return _optional(lambda: keyframes(container, video, start=origin, duration=duration,
                                       segment=segment, bootstrap=bootstrap, size=size,
                                       frame_rate=float(rate) if rate else None))


def _tags(container: InputContainer) -> dict[str, str]:
    """The music tags, lower-case keys, the container's first."""
    sources: list[dict[str, str]] = [container.metadata]
    if container.format.name in _STREAM_TAG_FORMATS:
        sources += [s.metadata for s in container.streams.audio]
    tags: dict[str, str] = {}
    for metadata in sources:
        for key, value in metadata.items():
            name = _TAG_SYNONYMS.get(key.lower(), key.lower())
            if name in _TAGS and name not in tags and value.strip():
                tags[name] = value.strip()
    return tags

