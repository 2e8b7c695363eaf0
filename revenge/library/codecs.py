"""The RFC 6381 / HLS ``CODECS`` value of a stream's real bitstream.

``codec_string`` reads the codec's own configuration (the extradata, or the first packet
when a stream carries its parameter sets in band) rather than trusting profile names, so
the value says what a player will actually be given.
"""

from __future__ import annotations

from revenge.library.av1vp9 import av1_codec_string, vp9_codec_string, vp9_private_data
from revenge.library.bitstream import BitReader
from revenge.library.h26x import avc_codec_string, hevc_codec_string

# Fixed strings: the codec has no profile or level worth telling apart in ``CODECS``.
_FIXED = {
    "ac3": "ac-3", "eac3": "ec-3", "opus": "Opus", "flac": "fLaC", "alac": "alac",
    "mp3": "mp4a.40.34", "mp2": "mp4a.40.33", "vorbis": "vorbis", "truehd": "mlpa",
    "vp8": "vp8", "mpeg1video": "mp4v.6a",
}
# FFmpeg's AAC profile names -> MPEG-4 audio object types.
_AAC_OBJECT_TYPES = {
    "Main": 1, "LC": 2, "SSR": 3, "LTP": 4, "HE-AAC": 5, "HE-AACv2": 29, "LD": 23,
    "ELD": 39, "xHE-AAC": 42,
}
# FFmpeg's DTS profile names -> MP4 sample entry names (the core, or the HD extensions).
_DTS = {"DTS-HD HRA": "dtsh", "DTS-HD MA": "dtsl", "DTS Express": "dtse"}
# MPEG-2 video profiles -> MPEG-4 object type indications (RFC 6381 ``mp4v.6X``).
_MPEG2_OTI = {"Simple": 0x60, "Main": 0x61, "SNR Scalable": 0x62,
              "Spatially Scalable": 0x63, "High": 0x64, "4:2:2": 0x65}
_SBR, _PS = 5, 29


def codec_string(codec: str | None, *, extradata: bytes | None = None,
                 packet: bytes | None = None, profile: str | None = None,
                 bit_depth: int | None = None, width: int = 0, height: int = 0,
                 frame_rate: float = 0.0) -> str | None:
    """The ``CODECS`` value of a stream, or None when the codec or its facts are unknown.

    ``packet`` is the stream's first (key) packet: where there is no extradata it still
    carries the parameter sets (H.264/HEVC Annex B, AV1 sequence header OBUs).
    """
    if codec is None:
        return None
    if codec in _FIXED:
        return _FIXED[codec]
    sources = [d for d in (extradata, packet) if d]
    parse = {"h264": avc_codec_string, "hevc": hevc_codec_string, "av1": av1_codec_string,
             "mpeg4": _mpeg4_visual}.get(codec)
    if parse is not None:
        return next((s for s in map(parse, sources) if s is not None), None)
    if codec == "vp9":
        return _vp9(extradata, profile, bit_depth, width, height, frame_rate)
    if codec == "aac":
        return aac_codec_string(extradata, profile)
    if codec == "dts":
        return _DTS.get((profile or "").split(" + ")[0], "dtsc")
    if codec == "mpeg2video" and profile in _MPEG2_OTI:
        return f"mp4v.{_MPEG2_OTI[profile]:x}"
    return None


def aac_codec_string(extradata: bytes | None, profile: str | None) -> str | None:
    """``mp4a.40.N``: the object type of the AudioSpecificConfig, else of the profile name.

    SBR or PS signalled only implicitly (an AAC-LC config whose decoder found SBR) is told
    by FFmpeg's profile name, and wins: players must be told HE-AAC.
    """
    named = _AAC_OBJECT_TYPES.get(profile or "")
    coded = audio_object_type(extradata) if extradata else None
    if coded is None:
        return None if named is None else f"mp4a.40.{named}"
    if named in (_SBR, _PS) and coded not in (_SBR, _PS):
        coded = named
    return f"mp4a.40.{coded}"


def audio_object_type(config: bytes) -> int | None:
    """The object type an AudioSpecificConfig announces, SBR/PS extensions included."""
    r = BitReader(config)
    try:
        kind = _object_type(r)
        frequency = r.bits(4)
        if frequency == 0xF:
            r.skip(24)
        channels = r.bits(4)
        if kind in (_SBR, _PS):  # explicit hierarchical signalling
            return kind
        if kind not in (1, 2, 3, 4, 6, 7) or channels == 0:
            return kind  # no GASpecificConfig we can walk past (or a PCE follows)
        r.skip(1)  # frameLengthFlag
        if r.flag():  # dependsOnCoreCoder
            r.skip(14)
        r.skip(1)  # extensionFlag
        return _backward_compatible_extension(r) or kind
    except ValueError:
        return None


def _object_type(r: BitReader) -> int:
    kind = r.bits(5)
    return 32 + r.bits(6) if kind == 31 else kind


def _backward_compatible_extension(r: BitReader) -> int | None:
    """SBR/PS announced after the GASpecificConfig (sync extension 0x2b7, then 0x548)."""
    if r.remaining < 16 or r.bits(11) != 0x2B7:
        return None
    if _object_type(r) != _SBR or not r.flag():  # sbrPresentFlag
        return None
    if r.bits(4) == 0xF:  # extensionSamplingFrequencyIndex
        r.skip(24)
    if r.remaining >= 12 and r.bits(11) == 0x548 and r.flag():  # psPresentFlag
        return _PS
    return _SBR


def _mpeg4_visual(data: bytes) -> str | None:
    """``mp4v.20.N``: N the profile_and_level_indication of the visual object sequence."""
    at = data.find(b"\x00\x00\x01\xb0")
    if at < 0 or at + 4 >= len(data):
        return None
    return f"mp4v.20.{data[at + 4]}"


def _vp9(extradata: bytes | None, profile: str | None, bit_depth: int | None,
         width: int, height: int, frame_rate: float) -> str | None:
    coded_profile, level, depth = vp9_private_data(extradata or b"")
    if coded_profile is None and profile and profile.startswith("Profile "):
        coded_profile = int(profile.removeprefix("Profile "))
    if coded_profile is None:
        return None
    return vp9_codec_string(profile=coded_profile, bit_depth=depth or bit_depth or 8,
                            level=level or None, width=width, height=height,
                            frame_rate=frame_rate)
