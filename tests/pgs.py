"""Writing PGS subtitles (HDMV presentation graphics, a Blu-ray's ``.sup``) for test media.

ffmpeg has a PGS decoder but no encoder, so the test film's picture subtitles are written
here: each caption is one display set (PCS, WDS, PDS, ODS, END segments) showing a
run-length coded bitmap, and one more display set (PCS and WDS with no object, END) clears
it. ffmpeg's ``sup`` demuxer reads the result and its ``pgssub`` decoder draws it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import attrs

CLOCK = 90_000  # PGS timestamps are 90 kHz ticks
_PCS, _WDS, _PDS, _ODS, _END = 0x16, 0x17, 0x14, 0x15, 0x80
# Palette entries as (Y, Cr, Cb, alpha), BT.709 limited range; entry 0 is transparent.
PALETTE = {1: (235, 128, 128, 255),  # white
           2: (78, 230, 214, 255)}  # magenta: RGB about (235, 16, 235)
Bitmap = Sequence[Sequence[int]]  # rows of palette entries


@attrs.frozen(kw_only=True)
class Caption:
    """A bitmap shown from ``start`` to ``end`` (seconds) with its top left at ``x``, ``y``."""

    start: float
    end: float
    x: int
    y: int
    bitmap: Bitmap = attrs.field(repr=False)

    @property
    def width(self) -> int:
        """Pixels across."""
        return len(self.bitmap[0])

    @property
    def height(self) -> int:
        """Pixels down."""
        return len(self.bitmap)


def framed_box(width: int, height: int, border: int) -> list[list[int]]:
    """A magenta box with a white frame ``border`` pixels thick."""
    inner = [1] * border + [2] * (width - 2 * border) + [1] * border
    return [[1] * width if min(y, height - 1 - y) < border else list(inner)
            for y in range(height)]


def rle_line(row: Sequence[int]) -> bytes:
    """One bitmap line, run-length coded as PGS codes it, with its end-of-line mark."""
    out = bytearray()
    i = 0
    while i < len(row):
        colour, run = row[i], 1
        while i + run < len(row) and row[i + run] == colour and run < 16383:
            run += 1
        i += run
        if colour and run <= 2:
            out += bytes([colour]) * run
            continue
        flags = (0x80 if colour else 0) | (0x40 if run >= 64 else 0)
        out += bytes([0, flags | run >> 8, run & 0xFF]) if run >= 64 else bytes([0, flags | run])
        if colour:
            out.append(colour)
    return bytes(out + b"\x00\x00")


def _segment(kind: int, pts: int, payload: bytes) -> bytes:
    return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(payload)) + payload


def _composition(width: int, height: int, number: int, objects: bytes, count: int) -> bytes:
    # Each display set starts an epoch (0x80): it stands alone, as a seek would need.
    state = 0x80 if count else 0x00
    return struct.pack(">HHBHBBBB", width, height, 0x10, number, state, 0, 0, count) + objects


def _display_set(caption: Caption, number: int, width: int, height: int) -> bytes:
    pts = round(caption.start * CLOCK)
    window = struct.pack(">BBHHHH", 1, 0, caption.x, caption.y, caption.width, caption.height)
    palette = bytes([0, 0]) + b"".join(
        bytes([entry, *ycrcba]) for entry, ycrcba in PALETTE.items())
    data = b"".join(rle_line(row) for row in caption.bitmap)
    obj = struct.pack(">HBB", 0, 0, 0xC0) + (len(data) + 4).to_bytes(3, "big") \
        + struct.pack(">HH", caption.width, caption.height) + data
    placed = struct.pack(">HBBHH", 0, 0, 0, caption.x, caption.y)
    return b"".join([_segment(_PCS, pts, _composition(width, height, number, placed, 1)),
                     _segment(_WDS, pts, window), _segment(_PDS, pts, palette),
                     _segment(_ODS, pts, obj), _segment(_END, pts, b"")])


def _clear(caption: Caption, number: int, width: int, height: int, *,
           at: float | None = None) -> bytes:
    pts = round((caption.end if at is None else at) * CLOCK)
    window = struct.pack(">BBHHHH", 1, 0, caption.x, caption.y, caption.width, caption.height)
    return b"".join([_segment(_PCS, pts, _composition(width, height, number, b"", 0)),
                     _segment(_WDS, pts, window), _segment(_END, pts, b"")])


def sup(captions: Sequence[Caption], *, width: int, height: int) -> bytes:
    """A ``.sup`` file showing ``captions`` (in time order) on a ``width`` x ``height`` video.

    It opens with an empty screen at 0: ffmpeg moves each input's first timestamp to 0.
    """
    out = bytearray(_clear(captions[0], 0, width, height, at=0.0))
    for i, caption in enumerate(captions):
        out += _display_set(caption, 2 * i + 1, width, height)
        out += _clear(caption, 2 * i + 2, width, height)
    return bytes(out)
