"""RFC 6381 ``CODECS`` strings of H.264 (``avc1``) and HEVC (``hvc1``) bitstreams.

The facts come from the decoder configuration record of MP4/Matroska (``avcC``/``hvcC``
extradata) or, for Annex B streams (MPEG-TS, raw ``.h264``/``.hevc``), from the parameter
sets themselves, after their emulation-prevention bytes are removed.
"""

from __future__ import annotations

from revenge.library.bitstream import nal_units, unescape

_AVC_SPS = 7
_HEVC_VPS, _HEVC_SPS = 32, 33


def avc_codec_string(data: bytes) -> str | None:
    """``avc1.PPCCLL`` from an ``avcC`` record or from Annex B / length-prefixed NAL units."""
    if len(data) >= 4 and data[0] == 1:  # avcC: version 1, then profile, flags, level
        return _avc(data[1], data[2], data[3])
    for nal in nal_units(data):
        if nal and nal[0] & 0x1F == _AVC_SPS:
            sps = unescape(nal[:8])  # the three bytes needed, and room for an escape
            if len(sps) >= 4:
                return _avc(sps[1], sps[2], sps[3])
    return None


def _avc(profile_idc: int, constraints: int, level_idc: int) -> str:
    return f"avc1.{profile_idc:02x}{constraints:02x}{level_idc:02x}"


def hevc_codec_string(data: bytes) -> str | None:
    """``hvc1.…`` (ISO/IEC 14496-15 annex E) from an ``hvcC`` record or from the VPS/SPS."""
    if len(data) >= 13 and data[0] == 1:  # hvcC: version 1, then the general PTL fields
        return _hevc_from_ptl(data[1:13])
    for nal in nal_units(data):
        if len(nal) < 2:
            continue
        kind = (nal[0] >> 1) & 0x3F
        rbsp = unescape(nal[2:])  # after the two-byte NAL unit header
        # Both carry profile_tier_level() at a byte boundary: the SPS after one byte of
        # ids, the VPS after four (ids, layer counts, and 16 reserved bits).
        if kind == _HEVC_SPS and len(rbsp) >= 13:
            return _hevc_from_ptl(rbsp[1:13])
        if kind == _HEVC_VPS and len(rbsp) >= 16:
            return _hevc_from_ptl(rbsp[4:16])
    return None


def _hevc_from_ptl(ptl: bytes) -> str:
    """The string from the 12 bytes of a general profile_tier_level()."""
    space = ptl[0] >> 6
    tier = "H" if ptl[0] & 0x20 else "L"
    profile_idc = ptl[0] & 0x1F
    compatibility = int.from_bytes(ptl[1:5], "big")
    reversed_flags = int(f"{compatibility:032b}"[::-1], 2)
    constraints = bytearray(ptl[5:11])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    level_idc = ptl[11]
    parts = [f"hvc1.{'' if space == 0 else 'ABC'[space - 1]}{profile_idc}",
             f"{reversed_flags:X}", f"{tier}{level_idc}"]
    parts += [f"{byte:X}" for byte in constraints]
    return ".".join(parts)
