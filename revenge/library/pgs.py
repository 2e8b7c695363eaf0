"""The picture size a PGS (Blu-ray) subtitle track is drawn for.

Its captions are bitmaps placed on a canvas of the disc's video size (1920x1080 on nearly
every Blu-ray, UHD ones included), which a rip often no longer has (a 720p encode keeping
the disc's subtitles): drawing them needs that size, and only the track's own composition
segments say it. The first is read from the start of the file, within a budget.
"""

from __future__ import annotations

import struct

from av.container import InputContainer
from av.stream import Stream

PGS = "hdmv_pgs_subtitle"
_COMPOSITION = 0x16  # Presentation Composition Segment: video width, height, ...
BUDGET_BYTES = 24 * 1024 * 1024  # of other streams' packets read before giving up


def composition_size(data: bytes) -> tuple[int, int] | None:
    """The width and height of the first composition segment in a PGS packet."""
    at = 0
    while at + 3 <= len(data):
        kind, length = data[at], struct.unpack_from(">H", data, at + 1)[0]
        if kind == _COMPOSITION and length >= 4 and at + 7 <= len(data):
            width, height = struct.unpack_from(">HH", data, at + 3)
            return (width, height) if width and height else None
        at += 3 + length
    return None


def presentation_sizes(container: InputContainer,
                       streams: list[Stream]) -> dict[int, tuple[int, int]]:
    """The canvas size of each PGS track in ``streams`` whose first caption lies within
    ``BUDGET_BYTES`` of the start (blocking)."""
    wanted = {s.index for s in streams}
    found: dict[int, tuple[int, int]] = {}
    if not wanted:
        return found
    container.seek(0)
    read = 0
    for packet in container.demux():
        index = packet.stream.index
        if index in wanted and index not in found and packet.size:
            size = composition_size(bytes(packet))
            if size is not None:
                found[index] = size
        read += packet.size
        if len(found) == len(wanted) or read > BUDGET_BYTES:
            break
    return found
