"""What a transcode request says about its source: the facts Blackbeard needs to make
renditions right without probing the file again (Revenge has probed it already).

Times are on the media timeline: seconds from the container's start time, which is where
Blackbeard's ffmpeg puts 0 (``-copyts -start_at_zero``).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from revenge.blackbeard.fields import Fields, checked, read

Transfer = Literal["sdr", "pq", "hlg"]
MAX_SIDE = 8192
_INDEX = {"low": 0, "high": 1023}


@attrs.frozen(kw_only=True)
class SourceVideo:
    """The video track a transcode reads."""

    index: int = checked("integer", **_INDEX)  # stream index (ffmpeg's ``-map 0:INDEX``)
    codec: str = checked("text", max_length=32)
    # RFC 6381, for a remuxed (copy) variant's CODECS.
    codec_string: str | None = checked("text", None, max_length=64)
    # As displayed: sample aspect ratio and rotation applied.
    width: int = checked("integer", low=2, high=MAX_SIDE)
    height: int = checked("integer", low=2, high=MAX_SIDE)
    frame_rate: float = checked("number", low=0.1, high=1000.0)
    interlaced: bool = checked("flag", False)
    transfer: Transfer = checked("text", "sdr", choices=("sdr", "pq", "hlg"))
    bit_depth: int = checked("integer", 8, low=1, high=16)
    # The YUV matrix the source is tagged with, as FFmpeg names it (bt709, smpte170m...);
    # None when untagged, as most files are.
    matrix: str | None = checked("text", None, max_length=32)


@attrs.frozen(kw_only=True)
class SourceAudio:
    """One audio track of the source."""

    index: int = checked("integer", **_INDEX)  # stream index in the file
    codec: str = checked("text", max_length=32)
    codec_string: str | None = checked("text", None, max_length=64)
    channels: int = checked("integer", low=1, high=64)
    channel_layout: str | None = checked("text", None, max_length=64)  # "5.1(side)"
    sample_rate: int | None = checked("integer", None, low=1000, high=768_000)


@attrs.frozen(kw_only=True)
class SourceSubtitle:
    """A picture subtitle track of the source (PGS, VobSub, DVB), which a video rendition
    may burn into its picture."""

    index: int = checked("integer", **_INDEX)  # stream index in the file
    codec: str = checked("text", max_length=32)  # hdmv_pgs_subtitle, dvd_subtitle, ...
    # The picture size the captions are placed on, where the source says (PGS); else
    # the video's is assumed (a PGS track's without one: a Blu-ray's 1920x1080).
    width: int | None = checked("integer", None, low=2, high=MAX_SIDE)
    height: int | None = checked("integer", None, low=2, high=MAX_SIDE)


@attrs.frozen(kw_only=True)
class Source:
    """The source file: how long its timeline is, and its tracks that renditions read."""

    duration: float = checked("number", low=0.01, high=7 * 24 * 3600.0)  # from 0
    video: SourceVideo | None = None
    audio: tuple[SourceAudio, ...] = ()
    subtitles: tuple[SourceSubtitle, ...] = ()
    # How far before a wanted time a seek must aim for the decoder to find a keyframe there:
    # 0 where the container has an index (seeks land on the keyframe before), else about the
    # longest keyframe interval (MPEG-TS and -PS seeks land on the first keyframe *after*).
    preroll: float = checked("number", 0.0, low=0.0, high=600.0)

    def track(self, index: int) -> SourceAudio:
        """The audio track with stream index ``index``."""
        for track in self.audio:
            if track.index == index:
                return track
        raise KeyError(index)

    def subtitle(self, index: int) -> SourceSubtitle:
        """The picture subtitle track with stream index ``index``."""
        for track in self.subtitles:
            if track.index == index:
                return track
        raise KeyError(index)

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_fields(cls, f: Fields) -> Source:
        video = f.object("video", None)
        return attrs.evolve(
            read(cls, f), video=read(SourceVideo, video) if video is not None else None,
            audio=tuple(read(SourceAudio, a) for a in f.objects("audio", [])),
            subtitles=tuple(read(SourceSubtitle, t) for t in f.objects("subtitles", [])))
