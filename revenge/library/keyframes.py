"""Where a video's keyframes are: whether they fall on every segment boundary (so the video
can be remuxed into segments as it is), and the longest gap between two of them.

The boundaries are those of ``Timeline(duration, D)``, on the media timeline (the file's
time minus its start). A boundary is met by a keyframe from half a frame before it to one
frame after it: the nearest frame, or the first frame at or after it, which is the one
``ffmpeg -force_key_frames`` and a segmenter cutting "at the first keyframe after each
boundary" pick (at 29.97 fps that one is often more than half a frame late). The short
first segments of a bootstrap duration ``B`` (``Timeline(duration, D, B)``) are checked too:
a video with keyframes on them is remuxed with them, and starts sooner.

Where the keyframes are known from, cheapest first:
1. The container's index: MP4's sample table lists every keyframe (a full answer);
   Matroska's cues usually do (a boundary without a cue is checked further).
2. Demuxing (not decoding) the whole video stream, for small files (``cheap_to_scan``).
3. For larger files without a full index, a seek to each of up to ``MAX_SEEKS``
   boundaries (spread over the whole file), reading on to the keyframes there.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import attrs
import av
from av.container import InputContainer
from av.video.stream import VideoStream

from revenge.blackbeard.timeline import Timeline

# Demuxing costs by the packet (some microseconds each): a scan is bounded by both.
SCAN_BYTES = 64 << 20
SCAN_SECONDS = 300.0
MAX_SEEKS = 24
SEEK_MARGIN = 1.0
_AVFMT_NO_BYTE_SEEK = 0x8000  # MP4/MOV: the flag tells the formats with a full index

Window = tuple[float, float]  # allowed keyframe time minus boundary, in seconds


@attrs.frozen
class Keyframes:
    """What the probe found out about a video's keyframes."""

    aligned_to: float | None  # the segment duration, when every boundary has its keyframe
    interval: float | None  # the longest gap between keyframes seen (seconds), or to the end
    # The bootstrap duration, when the short first segments' boundaries have keyframes too
    # (and the segment boundaries do): the video can then be remuxed with them.
    bootstrap: float | None = None


def cheap_to_scan(size: int, duration: float) -> bool:
    """Whether demuxing the whole file is quick enough for a probe."""
    return size <= SCAN_BYTES and duration <= SCAN_SECONDS


def keyframes(container: InputContainer, stream: VideoStream, *, start: float,
              duration: float, segment: float | None, frame_rate: float | None,
              size: int, bootstrap: float = 0.0) -> Keyframes:
    """The keyframe facts of ``stream`` (blocking; the first picture must be a keyframe)."""
    frame = 1 / frame_rate if frame_rate else 0.04
    window = (-frame / 2 - 1e-6, frame - 1e-6)
    times, complete = _indexed(container, stream)
    if not complete and cheap_to_scan(size, duration):
        times, complete = _scan(container, stream), True

    def all_met(targets: list[float]) -> tuple[bool, list[float]]:
        """Whether every target has its keyframe; the gaps that seeks to check saw."""
        unmet = [t for t in targets if not _met(times, t, window)]
        if complete or not unmet:
            return not unmet, []
        # Cues that skip a boundary may skip keyframes too; no index at all tells nothing.
        checks = [_seek_check(container, stream, t, window) for t in _spread(unmet, MAX_SEEKS)]
        return all(met for met, _ in checks), [gap for _, gap in checks if gap is not None]

    aligned, gaps = all_met(_boundaries(start, duration, segment))
    short = _bootstrap_boundaries(start, duration, segment, bootstrap) if aligned else []
    short_met, short_gaps = all_met(short) if short else (False, [])
    if complete:
        interval = _longest_gap(times, start + duration)
    else:
        gaps += short_gaps
        if times:
            gaps.append(_longest_gap(times, start + duration) or 0.0)
        interval = round(max(gaps), 6) if gaps else None
    return Keyframes(segment if aligned else None, interval,
                     bootstrap if aligned and short_met else None)


def _boundaries(start: float, duration: float, segment: float | None) -> list[float]:
    """Segment starts after the first, on the file's clock."""
    if not segment:
        return []
    try:
        timeline = Timeline(duration, segment)
    except ValueError:
        return []
    # The first segment starts with the first picture, a keyframe (checked by the caller).
    return [start + boundary for boundary in timeline.starts[1:]]


def _bootstrap_boundaries(start: float, duration: float, segment: float | None,
                          bootstrap: float) -> list[float]:
    """The starts of the short first segments that the plain grid does not have (none
    when ``bootstrap`` does not cut ``segment`` shorter)."""
    if not segment or not bootstrap:
        return []
    try:  # a bootstrap that does not divide the segment is refused by Timeline
        plain = Timeline(duration, segment).starts
        short = Timeline(duration, segment, bootstrap).starts
    except ValueError:
        return []
    return [start + boundary for boundary in short if boundary not in plain]


def _indexed(container: InputContainer, stream: VideoStream) -> tuple[list[float], bool]:
    """Keyframe times from the index, and whether it lists them all.

    Only MP4's sample table and Matroska's cues are used: FFmpeg's generic index of other
    formats lists just the keyframes it happened to read.
    """
    time_base = stream.time_base
    # Every sample is in an MP4 index (but a fragmented file's holds its first fragments).
    full = (bool(container.format.flags & _AVFMT_NO_BYTE_SEEK)
            and 0 < stream.frames <= len(stream.index_entries))
    cues = container.format.name.startswith("matroska")
    if time_base is None or not (full or cues):
        return [], False
    if cues:
        try:  # Matroska reads its cues on the first seek
            container.seek(0, stream=stream)
        except (av.FFmpegError, OSError):
            return [], False
    entries = stream.index_entries
    if len(entries) == 0:
        return [], False
    stamps: list[float] = []
    at = entries.search_timestamp(entries[0].timestamp, backward=False)
    # MP4 index times are decode times; keyframes are shown later by the B-frame delay and
    # shifted by an edit list: the first keyframe's shown time says by how much.
    delay = (_first_keyframe_pts(container, stream, entries[at].timestamp)
             if full and 0 <= at < len(entries) else 0)
    while 0 <= at < len(entries) and len(stamps) <= len(entries):
        stamp = entries[at].timestamp
        stamps.append(float((stamp + delay) * time_base))
        at = entries.search_timestamp(stamp + 1, backward=False)  # the next keyframe
    return stamps, full


def _first_keyframe_pts(container: InputContainer, stream: VideoStream, dts: int) -> int:
    """How much later than its index (decode) time the first keyframe is shown."""
    try:
        container.seek(0, stream=stream)
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None and packet.dts is not None:
                return int(packet.pts - dts)
    except (av.FFmpegError, OSError):
        pass
    return 0


def _met(keyframes: Sequence[float], target: float, window: Window) -> bool:
    at = bisect.bisect_left(keyframes, target + window[0])
    return at < len(keyframes) and keyframes[at] - target <= window[1]


def _longest_gap(times: Sequence[float], end: float) -> float | None:
    """The longest stretch without a keyframe, the one from the last to ``end`` included:
    how far back a seek to any time may have to go."""
    if not times:
        return None
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return round(max([*gaps, end - times[-1]]), 6)


def _scan(container: InputContainer, stream: VideoStream) -> list[float]:
    """The presentation times of every keyframe, demuxed from the start."""
    container.seek(0, stream=stream)
    times = []
    for packet in container.demux(stream):
        if packet.is_keyframe and packet.pts is not None and packet.time_base is not None:
            times.append(float(packet.pts * packet.time_base))
    return sorted(times)


def _spread(targets: list[float], count: int) -> list[float]:
    """At most ``count`` of ``targets``, evenly spread, the first and the last included."""
    if len(targets) <= count:
        return targets
    step = (len(targets) - 1) / (count - 1)
    return [targets[round(i * step)] for i in range(count)]


def _seek_check(container: InputContainer, stream: VideoStream, target: float,
                window: Window) -> tuple[bool, float | None]:
    """Seek before ``target`` and read on: is a keyframe on it, and the gap before the next.

    The gap is between the first two keyframes read (None when fewer were).
    """
    time_base = stream.time_base
    if time_base is None:
        return False, None
    met = False
    seen: list[float] = []
    try:
        # Some demuxers (MPEG-TS) land after the time asked for: ask for a little before.
        container.seek(int((target - SEEK_MARGIN) / time_base), stream=stream, backward=True)
        for packet in container.demux(stream):
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                continue
            time = float(stamp * time_base)
            if packet.is_keyframe:
                met = met or window[0] <= time - target <= window[1]
                seen.append(time)
            past = packet.dts is not None and float(packet.dts * time_base) - target > 1.0
            if past and len(seen) >= 2:
                break
            if past and len(seen) < 2 and time - target > 30.0:  # no second one near
                break
    except (av.FFmpegError, OSError):
        return False, None
    gap = seen[1] - seen[0] if len(seen) >= 2 else None
    return met, gap
