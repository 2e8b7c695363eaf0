"""What the first packets of a video stream, and its first picture, tell.

Some facts are only in the bitstream or the frames: the display matrix (PyAV 18 has no
reader for a stream's side data, only ``VideoFrame.rotation``), interlacing a container
does not declare, parameter sets sent in band, and whether frames come at a steady rate.
One short read at the start of the file, decoding a single keyframe, gets them all.
"""

from __future__ import annotations

import itertools
import statistics
from fractions import Fraction

import attrs
import av
import av.filter
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

# How much of the start is read: enough packets to judge the frame rate by.
HEAD_PACKETS = 250
HEAD_SECONDS = 5.0
_REORDER_DEPTH = 16  # H.264's most B-frames shown before a later-decoded picture


@attrs.frozen
class VideoHead:
    """The facts of the start of a video stream."""

    rotation: int = 0  # degrees clockwise the picture is turned for display
    interlaced: bool | None = None  # the first picture's flag (None: nothing decoded)
    top_field_first: bool = False
    color_trc: int | None = None  # the first picture's transfer characteristics
    first_packet: bytes | None = None  # the first keyframe, for in-band parameter sets
    starts_on_keyframe: bool = False
    times: tuple[float, ...] = ()  # presentation times (s) of the first packets
    time_base: Fraction | None = None


def read_head(container: InputContainer, stream: VideoStream) -> VideoHead:
    """Demux the start of ``stream`` and decode its first keyframe (blocking)."""
    frame: VideoFrame | None = None
    first: bytes | None = None
    starts_on_keyframe: bool | None = None
    times: list[float] = []
    for count, packet in enumerate(container.demux(stream)):
        if count >= 4 * HEAD_PACKETS:  # nothing decodes: give up rather than read it all
            break
        if packet.size == 0:  # the flushing packets at the end
            continue
        if starts_on_keyframe is None:
            starts_on_keyframe = packet.is_keyframe
        if first is None and packet.is_keyframe:
            first = bytes(packet)
        if packet.pts is not None and packet.time_base is not None:
            times.append(float(packet.pts * packet.time_base))
        if frame is None and packet.is_keyframe:
            frame = _decode(stream, packet)
        if frame is not None and (len(times) >= HEAD_PACKETS
                                  or (times and max(times) - min(times) >= HEAD_SECONDS)):
            break
    if frame is None:
        return VideoHead(first_packet=first, starts_on_keyframe=bool(starts_on_keyframe),
                         times=tuple(times), time_base=stream.time_base)
    return VideoHead(
        rotation=clockwise(frame.rotation), interlaced=frame.interlaced_frame,
        top_field_first=frame.interlaced_frame and _top_field_first(frame, stream),
        color_trc=frame.color_trc, first_packet=first,
        starts_on_keyframe=bool(starts_on_keyframe), times=tuple(times),
        time_base=stream.time_base)


def _decode(stream: VideoStream, packet: av.Packet[VideoStream]) -> VideoFrame | None:
    """The picture of a keyframe, drained at once (decoders hold pictures back to reorder)."""
    try:
        frames = stream.decode(packet) or stream.decode(None)
    except (av.FFmpegError, ValueError):  # a broken keyframe: the next one may do
        frames = []
    if not frames:
        stream.codec_context.flush_buffers()  # out of its drained state, for the next one
        return None
    return frames[0]


def clockwise(counter_clockwise: float) -> int:
    """A display matrix angle (FFmpeg's, counter-clockwise) as 0/90/180/270 clockwise.

    ``ffmpeg -display_rotation 90`` (counter-clockwise, as its documentation says) is read
    back by ``VideoFrame.rotation`` as 90, and players turn that picture a quarter turn to
    the left: 270 degrees clockwise.
    """
    return (round(-counter_clockwise / 90) * 90) % 360


def _top_field_first(frame: VideoFrame, stream: VideoStream) -> bool:
    """The frame's top-field-first flag, which PyAV does not expose, through ``select``."""
    graph = av.filter.Graph()
    source = graph.add_buffer(template=stream)
    select = graph.add("select", "eq(interlace_type,TOPFIRST)")
    sink = graph.add("buffersink")
    source.link_to(select)
    select.link_to(sink)
    graph.configure()
    graph.push(frame)
    graph.push(None)
    try:
        graph.pull()
    except (av.BlockingIOError, av.EOFError):  # the filter dropped it: bottom field first
        return False
    return True


def variable_frame_rate(head: VideoHead) -> bool:
    """Whether the first frames come at uneven intervals (beyond timestamp rounding)."""
    # Pictures shown between the last packets read may not be read yet (B-frames come
    # later in decode order): keep only the times before those of the last few packets.
    cutoff = min(head.times[-_REORDER_DEPTH:], default=0.0)
    times = sorted({t for t in head.times if t <= cutoff})
    if len(times) < 4:
        return False
    deltas = [b - a for a, b in itertools.pairwise(times)]
    typical = statistics.median(deltas)
    # Timestamps are rounded to the time base (1 ms in Matroska: 29.97 fps is 33 or 34).
    slack = float(head.time_base or 0) * 1.01 + typical * 0.01
    return any(abs(d - typical) > slack for d in deltas)
