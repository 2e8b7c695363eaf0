"""The judge's RFC 6381 codec strings, from hand-made configuration records."""

from __future__ import annotations

import pytest

from tests.hls import codecs


def _esds(object_type: int, asc: bytes = b"") -> bytes:
    """An esds payload: ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo."""
    specific = bytes([0x05, len(asc)]) + asc if asc else b""
    config = bytes([0x04, 13 + len(specific), object_type, 0x15]) + bytes(11) + specific
    return bytes(4) + bytes([0x03, 3 + len(config), 0x00, 0x01, 0x00]) + config


@pytest.mark.parametrize(("asc", "expected"), [
    (b"\x12\x10", "mp4a.40.2"),  # AAC LC
    (b"\x2b\x92\x08\x00", "mp4a.40.5"),  # HE-AAC, explicit signalling
    (b"\xf9\x40\x00", "mp4a.40.42"),  # xHE-AAC: escaped object type 31 + 11
])
def test_aac_object_type_from_the_audio_specific_config(asc: bytes, expected: str) -> None:
    assert codecs.from_sample_entry("mp4a", {"esds": _esds(0x40, asc)}) == expected


def test_mp3_in_mp4_is_one_format_with_its_other_spellings() -> None:
    measured = codecs.from_sample_entry("mp4a", {"esds": _esds(0x6B)})
    assert measured == "mp4a.6B"
    assert codecs.same_codec("mp4a.40.34", measured)


def test_avc_from_the_sps_and_from_avcc() -> None:
    sps = bytes([0x67, 0x64, 0x00, 0x1F, 0xAC])
    assert codecs.avc_from_sps(sps) == "avc1.64001F"
    assert codecs.from_sample_entry("avc1", {"avcC": bytes([1, 0x4D, 0x40, 0x1E])}) == \
        "avc1.4D401E"
    assert list(codecs.annexb_units(b"\x00\x00\x00\x01" + sps + b"\x00\x00\x01\x68\xee")) \
        == [sps, b"\x68\xee"]


def test_hevc_from_hvcc_and_from_the_sps() -> None:
    # general profile Main (1), compatibility flags 1 and 2, progressive + frame-only,
    # level 3.1 (93): Apple's example string with x265's constraint byte.
    ptl = bytes([0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93])
    assert codecs.from_sample_entry("hvc1", {"hvcC": b"\x01" + ptl}) == "hvc1.1.6.L93.90"
    sps = bytes([0x42, 0x01, 0x01]) + ptl
    assert codecs.hevc_from_sps(sps) == "hvc1.1.6.L93.90"
    high_tier_main10 = bytes([0x22, 0x20, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 153])
    assert codecs.from_sample_entry("hev1", {"hvcC": b"\x01" + high_tier_main10}) == \
        "hev1.2.4.H153.B0"


def test_av1_and_vp9() -> None:
    assert codecs.av1_from_av1c(bytes([0x81, 0x08, 0x0C, 0x00])) == "av01.0.08M.08"
    assert codecs.av1_from_av1c(bytes([0x81, 0x2D, 0xCC, 0x00])) == "av01.1.13H.10"
    assert codecs.vp9_from_vpcc(bytes([1, 0, 0, 0, 2, 31, 0xA0, 1, 1, 1])) == "vp09.02.31.10"


def test_codec_strings_compare_as_rfc_6381_says() -> None:
    assert codecs.same_codec("avc1.64001f", "avc1.64001F")
    assert not codecs.same_codec("avc1.64001E", "avc1.64001F")
    assert codecs.same_codec("av01.0.08M.08.0.110.01.01.01.0", "av01.0.08M.08")
    assert not codecs.same_codec("hev1.1.6.L93.90", "hvc1.1.6.L93.90")
    assert codecs.same_codec("hev1.1.6.L93.90", "hvc1.1.6.L93.90", any_entry=True)


def test_ts_audio_codec_strings() -> None:
    adts_lc = bytes([0xFF, 0xF1, 0x50, 0x80])
    assert codecs.from_ts_packet("aac", adts_lc) == "mp4a.40.2"
    assert codecs.from_ts_packet("ac3", b"\x0b\x77") == "ac-3"
    assert codecs.from_ts_packet("eac3", b"\x0b\x77") == "ec-3"
