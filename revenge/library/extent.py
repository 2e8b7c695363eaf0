"""Where a file's media really ends: the header's claim checked against the bytes there.

An interrupted download or copy keeps a header (Matroska's Duration, MP4's ``moov``, an
MP3's Xing frame count) that promises more than the file holds. The real end is found
cheaply, never by reading the whole file:

- MP4/MOV: the sample index says where every sample lies; the samples past the end of
  the file are the missing ones. No media is read at all.
- Matroska: the last intact cluster, found by hand in the last megabytes.
- MPEG-TS/PS, Ogg, ASF, whose demuxers resynchronise after a byte seek: the packets of
  the last megabyte. (Others' do not: AVI, MP3, FLAC and WAV make up timestamps there.)
- Otherwise: seek near the claimed end; if nothing is there, binary-search by seeking.

Raw elementary streams (AC-3, DTS, ADTS) are not checked: FFmpeg estimates their duration
from the size of the file, so it cannot promise more than the file holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Stream

from revenge.library.matroska import last_timestamp

TAIL_BYTES = 1 << 20
TAIL_PACKETS = 20_000
NEAR = 3.0  # seconds before a point that a time seek starts reading from
PRECISION = 0.5  # the binary search stops within this many seconds of the end
MAX_STEPS = 24
_AVFMT_NO_BYTE_SEEK = 0x8000
_RESYNCING = {"mpegts", "mpeg", "ogg", "asf"}
_SIZED_BY_BITRATE = {"ac3", "eac3", "dts", "aac", "truehd", "mlp", "h264", "hevc",
                     "mpegvideo", "m4v", "dirac"}

Ends = dict[int, float]  # stream index -> the end of its last packet (s, the file's clock)


def measure_ends(container: InputContainer, streams: Sequence[Stream], *, path: Path,
                 size: int, claimed_end: float | None, start: float) -> Ends | None:
    """Where each of ``streams`` really ends, or None when that cannot be told."""
    name = container.format.name
    if name in _SIZED_BY_BITRATE:
        return None
    if container.format.flags & _AVFMT_NO_BYTE_SEEK:
        indexed = _index_ends(streams, size)
        if indexed is not None:
            ends, complete = indexed
            # A complete index short of the claim is a fragmented file's first fragments.
            if not complete or claimed_end is None or max(ends.values()) >= claimed_end - 1:
                return ends
    elif name.startswith("matroska"):
        stamp = last_timestamp(path, size)
        time_base = streams[0].time_base
        if stamp is not None and time_base is not None:
            return {s.index: float(stamp * time_base) for s in streams}
    elif name in _RESYNCING:
        tail = _tail_ends(container, streams, size)
        if tail:
            return tail
    if claimed_end is None:
        return None
    return _search_ends(container, streams, start, claimed_end)


def better_than_header(format_name: str) -> bool:
    """Whether measured ends beat the format's per-stream durations, which FFmpeg only
    estimates for MPEG-TS/PS (and Ogg, ASF), where the last packets' times are exact."""
    return format_name in _RESYNCING


def _index_ends(streams: Sequence[Stream], size: int) -> tuple[Ends, bool] | None:
    """Ends from the sample index, and whether every sample is in the file."""
    ends: Ends = {}
    complete = True
    for stream in streams:
        found = _index_end(stream, size)
        if found is None:
            return None
        ends[stream.index], whole = found
        complete = complete and whole
    return ends, complete


def _index_end(stream: Stream, size: int) -> tuple[float, bool] | None:
    entries = stream.index_entries
    count = len(entries)
    if count == 0 or stream.time_base is None:
        return None
    low, high = 0, count  # entries are in decode order, and so in file order
    while low < high:
        middle = (low + high) // 2
        entry = entries[middle]
        if entry.pos + entry.size <= size:
            low = middle + 1
        else:
            high = middle
    first = entries[0].timestamp
    if low == 0:
        return float(first * stream.time_base), False
    last = entries[low - 1].timestamp
    step = last - entries[low - 2].timestamp if low >= 2 else 0
    # Index times are decode times; B-frames put a video's presentation a few frames later.
    delay = 0
    if stream.type == "video" and stream.start_time is not None:
        delay = max(0, stream.start_time - first)
    return float((last + step + delay) * stream.time_base), low == count


def _tail_ends(container: InputContainer, streams: Sequence[Stream], size: int) -> Ends:
    try:
        container.seek(max(0, size - TAIL_BYTES), unsupported_byte_offset=True)
    except (av.FFmpegError, OSError):
        return {}
    ends, _ = _read_ends(container, streams, after=None, budget=TAIL_PACKETS)
    return ends


def _read_ends(container: InputContainer, streams: Sequence[Stream], *, after: float | None,
               budget: int) -> tuple[Ends, str]:
    """Read on from here: the ends seen, and why reading stopped.

    ``"eof"``: the data ran out (so the ends are the file's); ``"beyond"``: a packet at or
    after ``after`` was read; ``"budget"``: neither within ``budget`` packets.
    """
    ends: Ends = {}
    try:
        for count, packet in enumerate(container.demux(list(streams))):
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None or packet.size == 0 or packet.time_base is None:
                continue
            end = float((stamp + max(packet.duration or 0, 0)) * packet.time_base)
            index = packet.stream.index
            ends[index] = max(end, ends.get(index, end))
            if after is not None and end >= after:
                return ends, "beyond"
            if count >= budget:
                return ends, "budget"
    except (av.FFmpegError, OSError):  # a damaged tail ends the data as surely as EOF
        pass
    return ends, "eof"


def _read_after(container: InputContainer, streams: Sequence[Stream], at: float,
                budget: int = 2_000) -> tuple[Ends, str]:
    try:
        container.seek(int(max(at - NEAR, 0) * 1_000_000), backward=True)
    except (av.FFmpegError, OSError):  # seeking past the data fails in some demuxers
        return {}, "eof"
    return _read_ends(container, streams, after=at, budget=budget)


def _search_ends(container: InputContainer, streams: Sequence[Stream], start: float,
                 claimed_end: float) -> Ends | None:
    ends, why = _read_after(container, streams, claimed_end)
    if why == "eof" and ends:
        return ends
    if why != "eof":
        return None  # the data goes on to the claimed end: nothing to correct
    low, high = start, claimed_end
    for _ in range(MAX_STEPS):
        if high - low <= PRECISION:
            break
        middle = (low + high) / 2
        ends, why = _read_after(container, streams, middle)
        if why == "eof" and ends:
            return ends
        if why == "eof":
            high = middle
        else:
            low = middle
    ends, _ = _read_after(container, streams, low, budget=TAIL_PACKETS)
    return ends or {s.index: low for s in streams}
