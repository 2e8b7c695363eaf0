"""One ``StreamInfo`` from one PyAV stream: the codec parameters, named as players want."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import av
from av.audio.stream import AudioStream
from av.stream import Disposition, Stream
from av.video.stream import VideoStream

from revenge.library.codecs import codec_string
from revenge.library.head import VideoHead, variable_frame_rate
from revenge.library.keyframes import Keyframes
from revenge.library.languages import bcp47
from revenge.store.records import StreamInfo

_KINDS = {"video", "audio", "subtitle", "data", "attachment"}
_FIELD_ORDERS = {1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}
# ITU-T H.273 code points, named as FFmpeg names them.
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
              8: "film", 9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432",
              22: "ebu3213"}
_MATRICES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m",
             7: "smpte240m", 8: "ycgco", 9: "bt2020nc", 10: "bt2020c", 11: "smpte2085",
             12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp"}
_UNSPECIFIED = 2
_TRANSFERS = {16: "pq", 18: "hlg"}  # smpte2084, arib-std-b67; anything else is SDR
_TEXT_SUBTITLES = {"subrip", "ass", "ssa", "mov_text", "webvtt", "text", "microdvd",
                   "subviewer", "subviewer1", "sami", "realtext", "mpl2", "pjs", "jacosub",
                   "vplayer", "stl", "ttml", "eia_608", "arib_caption"}
_IMAGE_SUBTITLES = {"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub",
                    "dvb_teletext", "hdmv_text_subtitle"}
_MKV_DURATION = re.compile(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$")


def stream_info(stream: Stream, *, head: VideoHead | None = None, end: float | None = None,
                keyframes: Keyframes | None = None) -> StreamInfo:
    """Describe ``stream``; ``end``, where measured, tells its duration."""
    fields = _common(stream, end)
    known = fields["codec"] is not None  # else FFmpeg has no codec parameters to read
    if isinstance(stream, VideoStream) and known:
        fields |= _video(stream, head, fields["codec"], keyframes)
    elif isinstance(stream, AudioStream) and known:
        fields |= _audio(stream, fields["codec"])
    elif stream.type == "subtitle":
        codec = fields.get("codec")
        fields["text"] = True if codec in _TEXT_SUBTITLES else (
            False if codec in _IMAGE_SUBTITLES else None)
    return StreamInfo(**fields)


def _common(stream: Stream, end: float | None) -> dict[str, Any]:
    context = getattr(stream, "codec_context", None)  # None where FFmpeg has no codec
    metadata = stream.metadata
    start, duration = stream_times(stream)
    if end is not None:  # measured: the header's promise was wrong, or only a guess
        duration = round(max(0.0, end - (start or 0)), 6)
    level = context.level if context is not None else -1
    bitrate = (context.bit_rate if context is not None else None) or _int(metadata.get("BPS"))
    return {
        "index": stream.index,
        "kind": stream.type if stream.type in _KINDS else "data",
        "codec": context.codec.canonical_name if context is not None else None,
        "profile": (context.profile if context is not None else None) or None,
        "level": level if level >= 0 else None,
        "bitrate": bitrate or None,
        "start": start,
        "duration": duration,
        "language": bcp47(stream.language or metadata.get("language")),
        "title": metadata.get("title") or None,
        "default": bool(stream.disposition & Disposition.default),
        "forced": bool(stream.disposition & Disposition.forced),
    }


def stream_times(stream: Stream) -> tuple[float | None, float | None]:
    """The stream's start and duration in seconds, as its header gives them."""
    time_base = stream.time_base
    start = (round(float(stream.start_time * time_base), 6)
             if stream.start_time is not None and time_base else None)
    if stream.duration is not None and time_base:
        return start, round(float(stream.duration * time_base), 6)
    # FFmpeg's Matroska muxer writes the track's last timestamp there, from the file's 0:
    # a track that starts late is that much shorter.
    end = _tag_duration(stream.metadata)
    if end is None:
        return start, None
    return start, round(max(0.0, end - (start or 0.0)), 6)


def _video(stream: VideoStream, head: VideoHead | None, codec: str | None,
           keyframes: Keyframes | None) -> dict[str, Any]:
    context = stream.codec_context
    cover = bool(stream.disposition & Disposition.attached_pic)
    width, height = context.width, context.height
    sar = stream.sample_aspect_ratio or Fraction(1)
    rotation = head.rotation if head else 0
    rate = None if cover else (stream.average_rate or stream.guessed_rate)
    frame_rate = round(float(rate), 3) if rate else None
    depth = _bit_depth(context.pix_fmt)
    trc = context.color_trc
    if trc == _UNSPECIFIED and head is not None and head.color_trc is not None:
        trc = head.color_trc  # the bitstream says what the container did not
    display_width, display_height = display_size(width, height, sar, rotation)
    dar = stream.display_aspect_ratio or (Fraction(width * sar, height) if height else None)
    return {
        "codec_string": codec_string(
            codec, extradata=context.extradata, packet=head.first_packet if head else None,
            profile=context.profile, bit_depth=depth, width=width, height=height,
            frame_rate=frame_rate or 0.0),
        "width": width or None, "height": height or None,
        "display_width": display_width, "display_height": display_height,
        "sample_aspect_ratio": f"{sar.numerator}:{sar.denominator}",
        "display_aspect_ratio": f"{dar.numerator}:{dar.denominator}" if dar else None,
        "rotation": rotation,
        "frame_rate": frame_rate,
        "variable_frame_rate": bool(head and variable_frame_rate(head)),
        "bit_depth": depth, "pixel_format": context.pix_fmt,
        "field_order": None if cover else _field_order(context.field_order, head),
        "color_transfer": _TRANSFERS.get(trc, "sdr"),
        "color_primaries": _PRIMARIES.get(context.color_primaries),
        "color_space": _MATRICES.get(context.colorspace),
        "attached_picture": cover,
        "keyframes_aligned_to": keyframes.aligned_to if keyframes else None,
        "keyframes_bootstrap": keyframes.bootstrap if keyframes else None,
        "keyframe_interval": keyframes.interval if keyframes else None,
    }


def display_size(width: int, height: int, sar: Fraction, rotation: int
                 ) -> tuple[int | None, int | None]:
    """The picture as shown: pixels widened by the sample aspect ratio, then turned.

    Even numbers, as scalers and encoders want them (720x576 at 64:45 shows 1024x576).
    """
    if not width or not height:
        return None, None
    shown_width = _even(width * (sar if sar > 0 else Fraction(1)))
    shown_height = _even(Fraction(height))
    if rotation in (90, 270):
        return shown_height, shown_width
    return shown_width, shown_height


def _even(size: Fraction) -> int:
    """The nearest even number (halves up: round() would round 426.5 down to 426)."""
    return max(2, 2 * math.floor(size / 2 + Fraction(1, 2)))


def _field_order(declared: int, head: VideoHead | None) -> str | None:
    """The codec parameters' field order, unless the first picture contradicts them.

    A container may call interlaced video progressive (a remuxed MKV), or say nothing
    (HEVC in MPEG-TS); the decoded picture's flags settle it then.
    """
    named = _FIELD_ORDERS.get(declared)
    if named not in (None, "progressive"):
        return named
    if head is not None and head.interlaced:
        return "tt" if head.top_field_first else "bb"
    if head is not None and head.interlaced is False:
        return "progressive"
    return named


def _bit_depth(pixel_format: str | None) -> int | None:
    if not pixel_format:
        return None
    try:
        return av.VideoFormat(pixel_format).components[0].bits
    except (ValueError, IndexError):
        return None


def _audio(stream: AudioStream, codec: str | None) -> dict[str, Any]:
    context = stream.codec_context
    layout = context.layout.name
    return {
        "codec_string": codec_string(codec, extradata=context.extradata,
                                     profile=context.profile),
        "channels": context.channels or None,
        # "3 channels" is FFmpeg's name for channels in no known order: no layout at all.
        "channel_layout": None if re.fullmatch(r"\d+ channels", layout) else layout,
        "sample_rate": context.sample_rate or None,
    }


def _tag_duration(metadata: dict[str, str]) -> float | None:
    """Matroska's per-track ``DURATION`` tag (``00:01:02.500000000``), in seconds."""
    match = _MKV_DURATION.match(metadata.get("DURATION", ""))
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
