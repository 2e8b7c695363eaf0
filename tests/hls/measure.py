"""Demux one HLS segment in memory with PyAV and measure each of its tracks."""

from __future__ import annotations

import io
import itertools
import statistics
from fractions import Fraction
from typing import TypeAlias

import av
from av.audio.codeccontext import AudioCodecContext
from av.audio.stream import AudioStream
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext
from av.video.reformatter import ColorPrimaries, ColorTrc
from av.video.stream import VideoStream

from tests.hls import codecs
from tests.hls.model import Track

_MATRICES = {0: "gbr", 1: "bt709", 2: "unspecified", 5: "bt470bg", 6: "smpte170m",
             9: "bt2020nc", 10: "bt2020c", 14: "ictcp"}
PQ, HLG = int(ColorTrc.SMPTE2084), int(ColorTrc.ARIB_STD_B67)
_Media = VideoStream | AudioStream  # the streams measured
_Packet: TypeAlias = "av.Packet[Stream]"  # (not subscriptable at run time)


def video_range(transfer: str | None) -> str:
    """The HLS VIDEO-RANGE a transfer characteristic calls for."""
    if transfer == ColorTrc(PQ).name.lower():
        return "PQ"
    if transfer == ColorTrc(HLG).name.lower():
        return "HLG"
    return "SDR"


def _name(enum: type[ColorTrc] | type[ColorPrimaries], value: int) -> str:
    try:
        return enum(value).name.lower()
    except ValueError:
        return f"unknown({value})"


def container_format(data: bytes, init: bytes | None) -> str | None:
    """The demuxer for a segment: fMP4 when it has an init section, else by its bytes."""
    if init is not None:
        return "mp4"
    if data[:1] == b"\x47":
        return "mpegts"
    return None  # packed audio (ID3 + ADTS/AC-3) and others: let ffmpeg probe


def measure(data: bytes, init: bytes | None, *, decode_all: bool = False) -> tuple[Track, ...]:
    """The video and audio tracks of one segment (``init`` is its fMP4 init section)."""
    blob = (init or b"") + data
    with av.open(io.BytesIO(blob), "r", format=container_format(data, init)) as container:
        streams = [s for s in container.streams if isinstance(s, _Media)]
        packets: dict[int, list[_Packet]] = {s.index: [] for s in streams}
        for packet in container.demux(streams):
            if packet.pts is not None and packet.size:
                packets[packet.stream.index].append(packet)
        entries = codecs.sample_entries(init) if init else []
        tracks = []
        for stream in streams:
            own = packets[stream.index]
            if own:
                tracks.append(_track(stream, own, _codec_string(stream, own, entries),
                                     decode_all))
    return tuple(tracks)


def _codec_string(stream: Stream, packets: list[_Packet],
                  entries: list[tuple[str, dict[str, bytes]]]) -> str | None:
    """The RFC 6381 string of ``stream``, from the init segment or the first packet."""
    for entry, children in entries:
        if entry.lower() == (stream.codec_context.codec_tag or "").lower():
            return codecs.from_sample_entry(entry, children)
    name = stream.codec_context.codec.canonical_name
    return codecs.from_ts_packet(name, bytes(packets[0]))


def _times(stream: Stream, packets: list[_Packet]) -> tuple[float, float, float, float]:
    """Start, end, typical frame duration and largest hole between frames, in seconds."""
    base = stream.time_base
    assert base is not None
    pts = sorted(p.pts for p in packets if p.pts is not None)
    steps = [b - a for a, b in itertools.pairwise(pts)]
    typical = statistics.median(steps) if steps else 0
    durations = [p.duration for p in packets if p.duration]
    if not typical and durations:
        typical = statistics.median(durations)
    end = max(p.pts + (p.duration or typical) for p in packets if p.pts is not None)
    # A hole is time not covered by any frame: the step beyond the frame's own length.
    frame_length = {p.pts: p.duration or typical for p in packets}
    holes = [b - a - frame_length[a] for a, b in itertools.pairwise(pts)]
    return (float(pts[0] * base), float(end * base), float(typical * base),
            float(max(holes, default=0) * base))


def _track(stream: _Media, packets: list[_Packet], codec_string: str | None,
           decode_all: bool) -> Track:
    start, end, frame, gap = _times(stream, packets)
    context = stream.codec_context
    fields: dict[str, object] = {}
    if isinstance(context, AudioCodecContext):  # an audio stream
        rate = context.sample_rate or 0
        if context.frame_size and rate:
            frame = context.frame_size / rate
        fields.update(sample_rate=rate, channels=context.channels)
    fields.update(_decode(stream, packets, decode_all))
    if stream.type == "video" and codec_string is not None and codec_string[:4] in (
            "avc1", "hvc1") and stream.container.format.name == "mpegts":
        fields["parameter_sets"] = _has_parameter_sets(context.name, bytes(packets[0]))
    return Track(kind=stream.type, codec=context.codec.canonical_name,
                 codec_string=codec_string, start=start, end=end, frames=len(packets),
                 frame_duration=frame, max_gap=gap, first_is_key=packets[0].is_keyframe,
                 **fields)  # type: ignore[arg-type]


def _has_parameter_sets(codec: str, data: bytes) -> bool:
    """Whether an MPEG-TS keyframe carries its parameter sets (SPS, PPS; HEVC's VPS)."""
    types = {(u[0] & 0x1F) if codec == "h264" else (u[0] >> 1) & 0x3F
             for u in codecs.annexb_units(data) if u}
    return {7, 8} <= types if codec == "h264" else {32, 33, 34} <= types


def _run_decoder(stream: _Media, packets: list[_Packet],
                 decode_all: bool) -> tuple[list[av.frame.Frame], str]:
    """Decode from the first packet: until a frame comes out, or all of them."""
    frames: list[av.frame.Frame] = []
    try:
        for packet in packets:
            frames += stream.codec_context.decode(packet)
            if frames and not decode_all:
                return frames, ""
        frames += stream.codec_context.decode(None)
    except av.error.FFmpegError as error:
        return frames, f"decoder error: {error}"
    return frames, ""


def _decode(stream: _Media, packets: list[_Packet],
            decode_all: bool) -> dict[str, object]:
    """Decode the segment alone from its first packet: does its first frame come out?

    A segment that does not start with a keyframe (or starts with an open-GOP picture
    whose leading frames need the previous segment) loses frames here, as a player that
    starts or seeks there would. Audio may come out up to one frame late: a fresh
    decoder drops the codec's delay (Opus pre-skip, AAC priming) at its start.
    """
    frames, note = _run_decoder(stream, packets, decode_all)
    if not frames:
        return {"decoded_from_start": False, "decode_note": note or "no frame decoded"}
    first_pts = min(p.pts for p in packets if p.pts is not None)
    slack = max((p.duration or 0) for p in packets) if stream.type == "audio" else 0
    earliest = min(frames, key=lambda f: f.pts if f.pts is not None else 1 << 62)
    problems = [note] if note else []
    if earliest.pts is None or not 0 <= earliest.pts - first_pts <= slack:
        problems.append(f"the first decoded frame is at pts {earliest.pts}, expected"
                        f" {first_pts}{f' (up to +{slack})' if slack else ''}")
    if decode_all and len(frames) < len(packets):
        problems.append(f"{len(frames)} of {len(packets)} frames decoded")
    result: dict[str, object] = {"decoded_from_start": not problems,
                                 "decode_note": "; ".join(problems)}
    if isinstance(earliest, av.VideoFrame):
        result.update(_picture(stream, earliest))
    return result


def _picture(stream: _Media, frame: av.VideoFrame) -> dict[str, object]:
    """Size, aspect, rotation and colour tags of a decoded picture."""
    context = stream.codec_context
    assert isinstance(context, VideoCodecContext)  # pictures come out of video streams
    sar = context.sample_aspect_ratio or Fraction(1)
    return {"width": frame.width, "height": frame.height,
            "sar": Fraction(sar) if sar else Fraction(1), "rotation": frame.rotation,
            "transfer": _name(ColorTrc, frame.color_trc),
            "primaries": _name(ColorPrimaries, frame.color_primaries),
            "matrix": _MATRICES.get(frame.colorspace, f"unknown({frame.colorspace})")}
