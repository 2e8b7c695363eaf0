"""What a transcode request says about its source: the facts Blackbeard needs to make
renditions right without probing the file again (Revenge has probed it already).

Times are on the media timeline: seconds from the container's start time, which is where
Blackbeard's ffmpeg puts 0 (``-copyts -start_at_zero``).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from revenge.blackbeard.fields import Fields

Transfer = Literal["sdr", "pq", "hlg"]
_TRANSFERS: tuple[Transfer, ...] = ("sdr", "pq", "hlg")
MAX_SIDE = 8192


@attrs.frozen(kw_only=True)
class SourceVideo:
    """The video track a transcode reads."""

    index: int  # stream index in the file (ffmpeg's ``-map 0:INDEX``)
    codec: str
    codec_string: str | None = None  # RFC 6381, for a remuxed (copy) variant's CODECS
    width: int  # as displayed: sample aspect ratio and rotation applied
    height: int
    frame_rate: float
    interlaced: bool = False
    transfer: Transfer = "sdr"
    bit_depth: int = 8

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_fields(cls, f: Fields) -> SourceVideo:
        return cls(
            index=f.integer("index", low=0, high=1023), codec=f.text("codec", max_length=32),
            codec_string=f.text("codec_string", None, max_length=64),
            width=f.integer("width", low=2, high=MAX_SIDE),
            height=f.integer("height", low=2, high=MAX_SIDE),
            frame_rate=f.number("frame_rate", low=0.1, high=1000.0),
            interlaced=f.flag("interlaced"),
            transfer=f.text("transfer", "sdr", choices=_TRANSFERS),
            bit_depth=f.integer("bit_depth", 8, low=1, high=16),
        )


@attrs.frozen(kw_only=True)
class SourceAudio:
    """One audio track of the source."""

    index: int  # stream index in the file
    codec: str
    codec_string: str | None = None
    channels: int
    channel_layout: str | None = None  # FFmpeg's name: "stereo", "5.1(side)"
    sample_rate: int | None = None

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_fields(cls, f: Fields) -> SourceAudio:
        return cls(
            index=f.integer("index", low=0, high=1023), codec=f.text("codec", max_length=32),
            codec_string=f.text("codec_string", None, max_length=64),
            channels=f.integer("channels", low=1, high=64),
            channel_layout=f.text("channel_layout", None, max_length=64),
            sample_rate=f.integer("sample_rate", None, low=1000, high=768_000),
        )


@attrs.frozen(kw_only=True)
class Source:
    """The source file: how long its timeline is, and its tracks that renditions read."""

    duration: float  # seconds of timeline, from 0
    video: SourceVideo | None = None
    audio: tuple[SourceAudio, ...] = ()
    # How far before a wanted time a seek must aim for the decoder to find a keyframe there:
    # 0 where the container has an index (seeks land on the keyframe before), else about the
    # longest keyframe interval (MPEG-TS and -PS seeks land on the first keyframe *after*).
    preroll: float = 0.0

    def track(self, index: int) -> SourceAudio:
        """The audio track with stream index ``index``."""
        for track in self.audio:
            if track.index == index:
                return track
        raise KeyError(index)

    def to_json(self) -> dict[str, Any]:
        return {"duration": self.duration,
                "video": self.video.to_json() if self.video else None,
                "audio": [a.to_json() for a in self.audio], "preroll": self.preroll}

    @classmethod
    def from_fields(cls, f: Fields) -> Source:
        video = f.object("video", None)
        return cls(
            duration=f.number("duration", low=0.01, high=7 * 24 * 3600.0),
            video=SourceVideo.from_fields(video) if video is not None else None,
            audio=tuple(SourceAudio.from_fields(a) for a in f.objects("audio", [])),
            preroll=f.number("preroll", 0.0, low=0.0, high=600.0),
        )
