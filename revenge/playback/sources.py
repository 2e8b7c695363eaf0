"""What Blackbeard is told about a media file: its probe, as the contract's ``Source``.

Revenge has probed every file already, so a transcode needs no second probe: the tracks to
read, how the picture is shown (display geometry, rotation applied), whether it is
interlaced or HDR, and how far a seek must reach back to find a keyframe.
"""

from __future__ import annotations

from revenge.blackbeard.source import Source, SourceAudio, SourceSubtitle, SourceVideo, Transfer
from revenge.store.records import ProbeResult, StreamInfo

# Containers with an index: a seek lands on the keyframe at or before its target.
INDEXED = frozenset({"mov", "mp4", "matroska", "webm", "avi", "asf", "flv"})
# Without an index (MPEG-TS, MPEG-PS), how far back to seek when the probe saw no keyframes.
UNKNOWN_KEYFRAME_INTERVAL = 10.0
_TRANSFERS: dict[str | None, Transfer] = {"pq": "pq", "hlg": "hlg"}


def indexed(probe: ProbeResult) -> bool:
    """Whether seeks in this file land on the keyframe before their target."""
    return bool(INDEXED & set((probe.container or "").split(",")))


def source_video(stream: StreamInfo) -> SourceVideo:
    """A video track as Blackbeard needs it."""
    width = stream.display_width or stream.width or 2
    height = stream.display_height or stream.height or 2
    return SourceVideo(
        index=stream.index, codec=stream.codec or "unknown", codec_string=stream.codec_string,
        width=max(2, width), height=max(2, height), frame_rate=stream.frame_rate or 25.0,
        interlaced=stream.interlaced, transfer=_TRANSFERS.get(stream.color_transfer, "sdr"),
        bit_depth=stream.bit_depth or 8, matrix=stream.color_space)


def source_audio(stream: StreamInfo) -> SourceAudio:
    """An audio track as Blackbeard needs it."""
    return SourceAudio(
        index=stream.index, codec=stream.codec or "unknown", codec_string=stream.codec_string,
        channels=stream.channels or 2, channel_layout=stream.channel_layout,
        sample_rate=stream.sample_rate)


# Picture subtitles ffmpeg decodes to bitmaps it can draw (not HDMV text subtitles: no
# decoder; not teletext: pages, not pictures).
BURNABLE = frozenset({"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"})


def burnable(probe: ProbeResult) -> tuple[SourceSubtitle, ...]:
    """The picture subtitle tracks of the probed file, which a transcode may burn in."""
    return tuple(SourceSubtitle(index=s.index, codec=s.codec or "unknown", width=s.width,
                                height=s.height)
                 for s in probe.streams if s.kind == "subtitle" and s.codec in BURNABLE)


def source_of(probe: ProbeResult) -> Source:
    """The source of a transcode of the probed file (its first video, every audio track and
    every picture subtitle track)."""
    video = probe.video
    preroll = 0.0
    if not indexed(probe):
        interval = video.keyframe_interval if video is not None else None
        preroll = (interval or UNKNOWN_KEYFRAME_INTERVAL) + 0.5
    return Source(
        duration=probe.duration or 0.0,
        video=source_video(video) if video is not None else None,
        audio=tuple(source_audio(s) for s in probe.audio),
        subtitles=burnable(probe),
        preroll=preroll,
    )
