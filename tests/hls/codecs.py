"""RFC 6381 codec strings computed from the bitstream, the way a careful judge does.

For fMP4 the strings come from the init segment's sample entry and its configuration box
(avcC, hvcC, av1C, vpcC, esds); for MPEG-TS from the parameter sets and frame headers in
the first packet (the H.264/HEVC SPS, the ADTS header).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# Containers to descend into, and how many bytes of a box precede its children.
_CONTAINERS = {b"moov": 0, b"trak": 0, b"mdia": 0, b"minf": 0, b"stbl": 0, b"stsd": 8}
_VISUAL = {b"avc1", b"avc3", b"hvc1", b"hev1", b"av01", b"vp09", b"dvh1", b"dvhe"}
_AUDIO = {b"mp4a", b"ac-3", b"ec-3", b"Opus", b"fLaC", b"alac", b"dtsc"}
_SAMPLE_ENTRY_HEADER = {**{kind: 78 for kind in _VISUAL}, **{kind: 28 for kind in _AUDIO}}
# Codec strings that name the same format (compared after lower-casing).
_SAME = {"mp4a.6b": "mp4a.40.34", "mp4a.69": "mp4a.40.34", "mp3": "mp4a.40.34"}
_TS_AUDIO = {"ac3": "ac-3", "eac3": "ec-3", "mp3": "mp4a.40.34", "mp2": "mp4a.40.33",
             "opus": "Opus", "flac": "fLaC", "dts": "dtsc"}


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each ISO BMFF box in ``data[start:end]``."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:
            size = end - offset
        if size < header:
            return
        yield kind, offset + header, min(offset + size, end)
        offset += size


def sample_entries(init: bytes) -> list[tuple[str, dict[str, bytes]]]:
    """Each track's sample entry in an init segment: its fourcc and its child boxes."""
    found: list[tuple[str, dict[str, bytes]]] = []

    def walk(start: int, end: int) -> None:
        for kind, payload, box_end in _boxes(init, start, end):
            if kind in _CONTAINERS:
                walk(payload + _CONTAINERS[kind], box_end)
            elif kind in _SAMPLE_ENTRY_HEADER:
                children = {k.decode("latin-1"): init[p:e] for k, p, e in
                            _boxes(init, payload + _SAMPLE_ENTRY_HEADER[kind], box_end)}
                found.append((kind.decode("latin-1"), children))

    walk(0, len(init))
    return found


def _unescape(nal: bytes) -> bytes:
    """Remove emulation-prevention bytes (00 00 03 -> 00 00)."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def annexb_units(data: bytes) -> Iterator[bytes]:
    """The NAL units of an Annex B byte stream (start codes removed)."""
    parts = data.split(b"\x00\x00\x01")
    for part in parts[1:]:
        yield part.rstrip(b"\x00")


def avc_from_sps(sps: bytes) -> str:
    """``avc1.PPCCLL`` from an H.264 SPS NAL unit (header byte included)."""
    rbsp = _unescape(sps[:8])
    return f"avc1.{rbsp[1]:02X}{rbsp[2]:02X}{rbsp[3]:02X}"


def _hevc_ptl(ptl: bytes, entry: str = "hvc1") -> str:
    """The ISO/IEC 14496-15 Annex E string from the 12-byte general profile_tier_level."""
    space = "" if ptl[0] >> 6 == 0 else "ABC"[(ptl[0] >> 6) - 1]
    tier = "H" if ptl[0] & 0x20 else "L"
    flags = int.from_bytes(ptl[1:5], "big")
    reversed_flags = int(f"{flags:032b}"[::-1], 2)
    constraints = list(ptl[5:11])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [entry, f"{space}{ptl[0] & 0x1F}", f"{reversed_flags:X}", f"{tier}{ptl[11]}"]
    return ".".join(parts + [f"{byte:X}" for byte in constraints])


def hevc_from_sps(sps: bytes, entry: str = "hvc1") -> str:
    """The HEVC codec string from an SPS NAL unit (2-byte header included)."""
    rbsp = _unescape(sps)
    return _hevc_ptl(rbsp[3:15], entry)


def av1_from_av1c(av1c: bytes) -> str:
    """``av01.P.LLT.DD`` from an av1C record."""
    profile, level = av1c[1] >> 5, av1c[1] & 0x1F
    tier = "H" if av1c[2] & 0x80 else "M"
    depth = 12 if av1c[2] & 0x20 else (10 if av1c[2] & 0x40 else 8)
    return f"av01.{profile}.{level:02d}{tier}.{depth:02d}"


def vp9_from_vpcc(vpcc: bytes) -> str:
    """``vp09.PP.LL.DD`` from a vpcC box payload (version 1)."""
    return f"vp09.{vpcc[4]:02d}.{vpcc[5]:02d}.{vpcc[6] >> 4:02d}"


def _esds_object_type(esds: bytes) -> str:
    """``mp4a.OO[.A]`` from an esds box payload: the object type, and AAC's ASC type."""
    data, at = esds[4:], 0

    def descriptor() -> tuple[int, int]:
        nonlocal at
        tag, length = data[at], 0
        at += 1
        while True:
            byte = data[at]
            at += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                return tag, length

    descriptor()  # ES_Descriptor: ES_ID, flags, then what the flags announce, in order
    flags = data[at + 2]
    at += 3 + (2 if flags & 0x80 else 0)
    if flags & 0x40:
        at += 1 + data[at]
    at += 2 if flags & 0x20 else 0
    descriptor()  # DecoderConfigDescriptor
    object_type = data[at]
    at += 13
    if object_type != 0x40:
        return f"mp4a.{object_type:X}"
    descriptor()  # DecoderSpecificInfo: the AudioSpecificConfig
    aot = data[at] >> 3
    if aot == 31:
        aot = 32 + (((data[at] & 0x07) << 3) | (data[at + 1] >> 5))
    return f"mp4a.40.{aot}"


def from_sample_entry(entry: str, children: dict[str, bytes]) -> str:
    """The codec string of one fMP4 track, from its sample entry."""
    if entry in ("avc1", "avc3") and "avcC" in children:
        avcc = children["avcC"]
        return f"{entry}.{avcc[1]:02X}{avcc[2]:02X}{avcc[3]:02X}"
    if entry in ("hvc1", "hev1") and "hvcC" in children:
        return _hevc_ptl(children["hvcC"][1:13], entry)
    if entry == "av01" and "av1C" in children:
        return av1_from_av1c(children["av1C"])
    if entry == "vp09" and "vpcC" in children:
        return vp9_from_vpcc(children["vpcC"])
    if entry == "mp4a" and "esds" in children:
        return _esds_object_type(children["esds"])
    return entry


def from_ts_packet(codec: str, data: bytes) -> str | None:
    """The codec string of an MPEG-TS track from its first packet, if it says enough."""
    if codec in ("h264", "hevc"):
        for unit in annexb_units(data):
            if codec == "h264" and unit and unit[0] & 0x1F == 7:
                return avc_from_sps(unit)
            if codec == "hevc" and unit and (unit[0] >> 1) & 0x3F == 33:
                return hevc_from_sps(unit)
        return None
    if codec == "aac" and len(data) > 2 and data[0] == 0xFF and data[1] & 0xF0 == 0xF0:
        return f"mp4a.40.{(data[2] >> 6) + 1}"
    return _TS_AUDIO.get(codec)


def same_codec(declared: str, measured: str, *, any_entry: bool = False) -> bool:
    """Whether two codec strings name the same format and parameters.

    Hex digits compare case-insensitively; trailing optional AV1 fields are ignored when
    one side omits them; the MP3 spellings are one. With ``any_entry`` (a string measured
    from MPEG-TS, which has no sample entry) hev1/hvc1 and avc3/avc1 are one.
    """
    a, b = declared.strip().lower(), measured.strip().lower()
    a, b = _SAME.get(a, a), _SAME.get(b, b)
    if any_entry:
        a, b = (x.replace("hev1.", "hvc1.").replace("avc3.", "avc1.") for x in (a, b))
    if a.startswith("av01.") and b.startswith("av01."):
        return a.split(".")[:4] == b.split(".")[:4]
    return a == b
