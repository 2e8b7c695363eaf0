"""Reading codec headers bit by bit: a bit reader and H.264/HEVC NAL unit framing."""

from __future__ import annotations

from collections.abc import Iterator


class BitReader:
    """Reads big-endian bit fields and Exp-Golomb codes; raises ``ValueError`` past the end."""

    def __init__(self, data: bytes) -> None:
        self._value = int.from_bytes(data, "big")
        self._length = len(data) * 8
        self.position = 0

    @property
    def remaining(self) -> int:
        """How many bits are left."""
        return self._length - self.position

    def bits(self, count: int) -> int:
        """The next ``count`` bits as an unsigned integer."""
        if count > self.remaining:
            raise ValueError("read past the end of the header")
        self.position += count
        return (self._value >> (self._length - self.position)) & ((1 << count) - 1)

    def flag(self) -> bool:
        """The next bit."""
        return self.bits(1) == 1

    def skip(self, count: int) -> None:
        """Skip ``count`` bits."""
        self.bits(count)

    def ue(self) -> int:
        """An unsigned Exp-Golomb code (H.264/HEVC ``ue(v)``)."""
        zeros = 0
        while not self.flag():
            zeros += 1
            if zeros > 31:
                raise ValueError("Exp-Golomb code too long")
        return (1 << zeros) - 1 + self.bits(zeros)

    def uvlc(self) -> int:
        """An AV1 ``uvlc()`` (Exp-Golomb coded, as the AV1 specification reads it)."""
        return self.ue()

    def leb128(self) -> int:
        """An AV1 ``leb128()``: little-endian base-128, seven bits a byte."""
        value = 0
        for i in range(8):
            byte = self.bits(8)
            value |= (byte & 0x7F) << (i * 7)
            if not byte & 0x80:
                break
        return value


def unescape(nal: bytes) -> bytes:
    """Drop the emulation-prevention bytes (``00 00 03`` -> ``00 00``) from a NAL unit."""
    if b"\x00\x00\x03" not in nal:
        return nal
    out = bytearray()
    zeros = 0
    for byte in nal:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def nal_units(data: bytes) -> Iterator[bytes]:
    """Split Annex B (start codes) or 4-byte length-prefixed data into NAL units."""
    if data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        yield from _annex_b(data)
    else:
        yield from _length_prefixed(data)


def _annex_b(data: bytes) -> Iterator[bytes]:
    starts = []
    at = data.find(b"\x00\x00\x01")
    while at >= 0:
        starts.append(at + 3)
        at = data.find(b"\x00\x00\x01", at + 3)
    for begin, following in zip(starts, [*starts[1:], None], strict=True):
        end = len(data) if following is None else following - 3
        # A four-byte start code leaves its leading zero on the previous unit.
        unit = data[begin:end].rstrip(b"\x00") if following is not None else data[begin:end]
        if unit:
            yield unit


def _length_prefixed(data: bytes) -> Iterator[bytes]:
    at = 0
    while at + 4 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        if size == 0 or at + 4 + size > len(data):
            return
        yield data[at + 4:at + 4 + size]
        at += 4 + size
