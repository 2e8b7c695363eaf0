"""The RFC 6381 codec string parsers on handcrafted bytes, edge cases included."""

from __future__ import annotations

import pytest

from revenge.library.av1vp9 import (
    av1_codec_string,
    vp9_codec_string,
    vp9_level,
    vp9_private_data,
)
from revenge.library.bitstream import BitReader, nal_units, unescape
from revenge.library.codecs import aac_codec_string, audio_object_type, codec_string
from revenge.library.h26x import avc_codec_string, hevc_codec_string


def bits(*fields: tuple[int, int]) -> bytes:
    """Pack (value, width) fields big-endian, zero-padded to whole bytes."""
    value, width = 0, 0
    for field, size in fields:
        assert 0 <= field < 1 << size
        value, width = (value << size) | field, width + size
    pad = -width % 8
    return (value << pad).to_bytes((width + pad) // 8, "big")


def test_bit_reader_and_exp_golomb() -> None:
    reader = BitReader(bits((0b101, 3), (0b1, 1), (0b010, 3), (0b00100, 5)))
    assert reader.bits(3) == 5
    assert (reader.ue(), reader.ue(), reader.ue()) == (0, 1, 3)
    with pytest.raises(ValueError):
        reader.bits(8)
    assert BitReader(b"\x85\x01").leb128() == 133


def test_emulation_prevention_and_nal_framing() -> None:
    assert unescape(b"\x01\x00\x00\x03\x00\x00\x03\x01\x03") == b"\x01\x00\x00\x00\x00\x01\x03"
    assert unescape(b"\x00\x03\x00") == b"\x00\x03\x00"  # one zero does not escape
    annex_b = b"\x00\x00\x00\x01\x67\x64\x00\x00\x01\x68\xee\x00\x00\x01\x65\x88"
    assert list(nal_units(annex_b)) == [b"\x67\x64", b"\x68\xee", b"\x65\x88"]
    length_prefixed = b"\x00\x00\x00\x02\x67\x64\x00\x00\x00\x01\x68"
    assert list(nal_units(length_prefixed)) == [b"\x67\x64", b"\x68"]


def test_avc_from_avcc_and_from_annex_b() -> None:
    avcc = bytes.fromhex("0164001effe100196764001eacd94141fb0110")
    assert avc_codec_string(avcc) == "avc1.64001e"
    sps = b"\x00\x00\x00\x01\x67\x4d\x40\x1f\xec\xa0" + b"\x00\x00\x00\x01\x68\xef"
    assert avc_codec_string(sps) == "avc1.4d401f"
    # An escape inside the first bytes: 42 00 00 03 00 is profile 66, flags 0, level 0.
    assert avc_codec_string(b"\x00\x00\x01\x67\x42\x00\x00\x03\x00\x1e") == "avc1.420000"
    assert avc_codec_string(b"\x00\x00\x01\x68\xee") is None  # a PPS only
    assert avc_codec_string(b"") is None


def test_hevc_from_hvcc() -> None:
    main = bytes.fromhex("0101600000009000000000003cf000fcfdf8f800000f04")
    assert hevc_codec_string(main) == "hvc1.1.6.L60.90"
    main10 = bytes.fromhex("01022000000090000000000078")
    assert hevc_codec_string(main10) == "hvc1.2.4.L120.90"
    # Profile space 1 (A), high tier, profile 1; flags B0 then 00 .. 01: trailing zeros
    # are dropped, inner ones kept.
    spaced = bytes.fromhex("0161" "20000000" "b00000000100" "5d")
    assert hevc_codec_string(spaced) == "hvc1.A1.4.H93.B0.0.0.0.1"


def test_hevc_from_annex_b_parameter_sets_with_escapes() -> None:
    # As x265 sends them in MPEG-TS: the VPS (with its 00 00 03 escapes) comes first.
    vps = bytes.fromhex("40010c01ffff016000000300900000030000030078959409")
    assert hevc_codec_string(b"\x00\x00\x00\x01" + vps) == "hvc1.1.6.L120.90"
    # An SPS alone: Main 10, high tier, level 5.1, flags B0, escapes in the zero runs.
    sps = bytes.fromhex("420101" + "22" + "20000003" + "00b0000003000003" + "0099" + "a0")
    assert hevc_codec_string(b"\x00\x00\x01" + sps) == "hvc1.2.4.H153.B0"
    assert hevc_codec_string(b"\x00\x00\x01\x44\x01\xc1") is None  # a PPS only


def test_av1_from_av1c() -> None:
    assert av1_codec_string(bytes.fromhex("81000c00")) == "av01.0.00M.08"
    # Profile 0, level 5.1 (13), high tier, 10 bits.
    assert av1_codec_string(bits((0x81, 8), (0, 3), (13, 5), (1, 1), (1, 1), (0, 6))) == \
        "av01.0.13H.10"
    # Profile 2, level 6.0 (16), main tier, 12 bits.
    assert av1_codec_string(bits((0x81, 8), (2, 3), (16, 5), (0, 1), (1, 1), (1, 1),
                                 (0, 5))) == "av01.2.16M.12"


def _sequence_header_obu(payload: bytes) -> bytes:
    return bytes([0b0_0001_0_1_0, len(payload)]) + payload


def _sequence_header(profile: int, level: int, tier: int, high: int, twelve: int | None
                     ) -> bytes:
    fields = [(profile, 3), (0, 1), (0, 1),  # still_picture, reduced header
              (1, 1), (1000, 32), (25000, 32), (0, 1),  # timing info, no equal interval
              (0, 1),  # decoder_model_info_present_flag
              (0, 1), (0, 5),  # initial_display_delay_present, one operating point
              (0, 12), (level, 5)]
    if level > 7:
        fields.append((tier, 1))
    fields += [(10, 4), (10, 4), (1919, 11), (1079, 11),  # frame size bits and maxima
               (0, 1),  # frame_id_numbers_present_flag
               (0, 3), (0, 4), (1, 1), (0, 2),  # tools; order hint on, jnt/ref mvs off
               (1, 1),  # seq_choose_screen_content_tools (so integer mv is chosen too)
               (0, 1),  # seq_choose_integer_mv = 0, so seq_force_integer_mv follows
               (0, 1), (6, 3),  # seq_force_integer_mv, order_hint_bits_minus_1
               (0, 3),  # superres, cdef, restoration
               (high, 1)]
    if twelve is not None:
        fields.append((twelve, 1))
    return bits(*fields, (0, 7))


def test_av1_from_a_sequence_header_obu() -> None:
    # Temporal delimiter first, then the sequence header, as in IVF/OBU streams.
    delimiter = b"\x12\x00"
    header = _sequence_header(0, 8, 1, 1, None)
    assert av1_codec_string(delimiter + _sequence_header_obu(header)) == "av01.0.08H.10"
    twelve = _sequence_header(2, 13, 0, 1, 1)
    assert av1_codec_string(_sequence_header_obu(twelve)) == "av01.2.13M.12"
    low = _sequence_header(0, 4, 0, 0, None)
    assert av1_codec_string(_sequence_header_obu(low)) == "av01.0.04M.08"
    # SVT-AV1's, as FFmpeg exports it from an IVF file.
    assert av1_codec_string(bytes.fromhex("0a0b0200000521e7fde257c802")) == "av01.0.00M.08"
    # A reduced still-picture header: the level right after the three flags.
    still = bits((0, 3), (1, 1), (1, 1), (5, 5), (7, 4), (7, 4), (255, 8), (255, 8),
                 (0, 3), (0, 3), (0, 1), (0, 7))
    assert av1_codec_string(_sequence_header_obu(still)) == "av01.0.05M.08"
    assert av1_codec_string(b"\x12\x00") is None


def test_vp9_level_from_picture_size_and_rate() -> None:
    assert vp9_level(320, 240, 25) == 20
    assert vp9_level(1280, 720, 30) == 31
    assert vp9_level(1920, 1080, 30) == 40
    assert vp9_level(1920, 1080, 60) == 41
    assert vp9_level(3840, 2160, 30) == 50
    assert vp9_level(3840, 2160, 60) == 51
    assert vp9_level(7680, 4320, 30) == 60
    assert vp9_level(256, 144, 15) == 10
    assert vp9_level(1000, 100, 25) == 21  # wide: the picture breadth decides
    assert vp9_codec_string(profile=2, bit_depth=10, level=None, width=1920,
                            height=1080, frame_rate=24) == "vp09.02.40.10"


def test_vp9_codec_private_data() -> None:
    # Matroska: features profile 2, level 4.1, 10 bits, chroma 4:2:0.
    assert vp9_private_data(bytes([1, 1, 2, 2, 1, 41, 3, 1, 10, 4, 1, 1])) == (2, 41, 10)
    # An MP4 vpcC (version 1): profile 0, level 3.1, 8 bits.
    assert vp9_private_data(bytes([1, 0, 0, 0, 0, 31, 0x82, 1, 1, 1, 0, 0])) == (0, 31, 8)
    assert vp9_private_data(b"") == (None, None, None)
    assert codec_string("vp9", extradata=bytes([1, 1, 0, 2, 1, 30, 3, 1, 8]),
                        profile="Profile 0", width=3840, height=2160,
                        frame_rate=60.0) == "vp09.00.30.08"  # the coded level wins


def test_aac_audio_specific_configs() -> None:
    lc = bits((2, 5), (3, 4), (2, 4), (0, 3))  # 48 kHz stereo
    assert audio_object_type(lc) == 2
    explicit_sbr = bits((5, 5), (6, 4), (2, 4), (3, 4), (2, 5), (0, 3))
    assert audio_object_type(explicit_sbr) == 5
    explicit_ps = bits((29, 5), (6, 4), (1, 4), (3, 4), (2, 5), (0, 3))
    assert audio_object_type(explicit_ps) == 29
    compatible_sbr = bits((2, 5), (6, 4), (2, 4), (0, 3), (0x2B7, 11), (5, 5), (1, 1),
                          (3, 4))
    assert audio_object_type(compatible_sbr) == 5
    compatible_ps = bits((2, 5), (6, 4), (1, 4), (0, 3), (0x2B7, 11), (5, 5), (1, 1),
                         (3, 4), (0x548, 11), (1, 1))
    assert audio_object_type(compatible_ps) == 29
    no_sbr = bits((2, 5), (6, 4), (2, 4), (0, 3), (0x2B7, 11), (5, 5), (0, 1))
    assert audio_object_type(no_sbr) == 2
    escaped = bits((31, 5), (42 - 32, 6), (3, 4), (2, 4))  # USAC (xHE-AAC)
    assert audio_object_type(escaped) == 42
    explicit_rate = bits((2, 5), (15, 4), (44100, 24), (2, 4), (0, 3))
    assert audio_object_type(explicit_rate) == 2
    assert audio_object_type(b"\x10") is None  # cut short


def test_aac_strings_from_config_or_profile_name() -> None:
    lc = bits((2, 5), (3, 4), (2, 4), (0, 3))
    assert aac_codec_string(lc, "LC") == "mp4a.40.2"
    # Implicit SBR: the config says LC, FFmpeg's decoder found SBR: players need 5.
    assert aac_codec_string(lc, "HE-AAC") == "mp4a.40.5"
    assert aac_codec_string(lc, "HE-AACv2") == "mp4a.40.29"
    assert aac_codec_string(None, "HE-AAC") == "mp4a.40.5"  # ADTS in MPEG-TS
    assert aac_codec_string(None, "LC") == "mp4a.40.2"
    assert aac_codec_string(None, None) is None


@pytest.mark.parametrize(("codec", "profile", "expected"), [
    ("ac3", None, "ac-3"), ("eac3", None, "ec-3"), ("opus", None, "Opus"),
    ("flac", None, "fLaC"), ("mp3", None, "mp4a.40.34"), ("alac", None, "alac"),
    ("dts", "DTS", "dtsc"), ("dts", "DTS-HD MA", "dtsl"), ("dts", "DTS-HD MA + DTS:X", "dtsl"),
    ("dts", "DTS Express", "dtse"), ("mpeg2video", "Main", "mp4v.61"),
    ("mpeg2video", "High", "mp4v.64"), ("wmv2", None, None), ("pcm_s16le", None, None),
    (None, None, None),
])
def test_fixed_and_named_strings(codec: str | None, profile: str | None,
                                 expected: str | None) -> None:
    assert codec_string(codec, profile=profile) == expected


def test_mpeg4_visual_and_packet_fallback() -> None:
    vos = b"\x00\x00\x01\xb0\xf5\x00\x00\x01\xb5"  # Advanced Simple Profile level 5
    assert codec_string("mpeg4", extradata=vos) == "mp4v.20.245"
    assert codec_string("mpeg4", extradata=b"\x00\x00\x01\xb6") is None
    # No extradata: the parameter sets of the first keyframe are used.
    keyframe = b"\x00\x00\x00\x01\x67\x64\x00\x28\xac" + b"\x00\x00\x00\x01\x65\x88\x84"
    assert codec_string("h264", extradata=None, packet=keyframe) == "avc1.640028"
    assert codec_string("h264", extradata=b"", packet=None) is None
