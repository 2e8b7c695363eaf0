"""RFC 6381 ``CODECS`` strings of AV1 (``av01``) and VP9 (``vp09``) bitstreams."""

from __future__ import annotations

from revenge.library.bitstream import BitReader

_OBU_SEQUENCE_HEADER = 1

# VP9 levels (the VP9 bitstream specification, annex A; libvpx ``vp9_level_defs``):
# (level, max luma sample rate, max luma picture size, max picture breadth).
_VP9_LEVELS = (
    (10, 829_440, 36_864, 512), (11, 2_764_800, 73_728, 768),
    (20, 4_608_000, 122_880, 960), (21, 9_216_000, 245_760, 1_344),
    (30, 20_736_000, 552_960, 2_048), (31, 36_864_000, 983_040, 2_752),
    (40, 83_558_400, 2_228_224, 4_160), (41, 160_432_128, 2_228_224, 4_160),
    (50, 311_951_360, 8_912_896, 8_384), (51, 588_251_136, 8_912_896, 8_384),
    (52, 1_176_502_272, 8_912_896, 8_384), (60, 1_176_502_272, 35_651_584, 16_832),
    (61, 2_353_004_544, 35_651_584, 16_832), (62, 4_706_009_088, 35_651_584, 16_832),
)


def av1_codec_string(data: bytes) -> str | None:
    """``av01.P.LLT.DD`` from an ``av1C`` record or from OBUs holding a sequence header."""
    if len(data) >= 3 and data[0] == 0x81:  # av1C: marker and version 1
        profile, level = data[1] >> 5, data[1] & 0x1F
        tier = (data[2] >> 7) & 1
        depth = 12 if data[2] & 0x20 else 10 if data[2] & 0x40 else 8
        return _av01(profile, level, tier, depth)
    header = _sequence_header(data)
    return None if header is None else _parse_sequence_header(header)


def _av01(profile: int, level: int, tier: int, depth: int) -> str:
    return f"av01.{profile}.{level:02d}{'H' if tier else 'M'}.{depth:02d}"


def _sequence_header(data: bytes) -> bytes | None:
    """The payload of the first sequence header OBU in ``data`` (low-overhead format)."""
    at = 0
    while at < len(data):
        header = data[at]
        kind, extension, has_size = (header >> 3) & 0xF, header & 0x4, header & 0x2
        at += 2 if extension else 1
        if not has_size:  # the OBU runs to the end
            return data[at:] if kind == _OBU_SEQUENCE_HEADER else None
        reader = BitReader(data[at:at + 8])
        try:
            size = reader.leb128()
        except ValueError:
            return None
        at += reader.position // 8
        if kind == _OBU_SEQUENCE_HEADER:
            return data[at:at + size]
        at += size
    return None


def _parse_sequence_header(payload: bytes) -> str | None:
    """Profile, first operating point's level and tier, and bit depth (AV1 spec 5.5)."""
    r = BitReader(payload)
    try:
        profile = r.bits(3)
        r.skip(1)  # still_picture
        if r.flag():  # reduced_still_picture_header
            level, tier = r.bits(5), 0
            reduced = True
        else:
            reduced = False
            level, tier = _first_operating_point(r)
        _skip_to_color_config(r, reduced)
        high_bitdepth = r.flag()
        twelve = profile == 2 and high_bitdepth and r.flag()
    except ValueError:
        return None
    return _av01(profile, level, tier, 12 if twelve else 10 if high_bitdepth else 8)


def _first_operating_point(r: BitReader) -> tuple[int, int]:
    """Read timing/decoder model info and every operating point; return the first's."""
    decoder_model = False
    delay_length = 0
    if r.flag():  # timing_info_present_flag
        r.skip(64)  # num_units_in_display_tick, time_scale
        if r.flag():  # equal_picture_interval
            r.uvlc()
        decoder_model = r.flag()
        if decoder_model:
            delay_length = r.bits(5) + 1
            r.skip(32 + 5 + 5)
    initial_display_delay = r.flag()
    points = [_operating_point(r, decoder_model, delay_length, initial_display_delay)
              for _ in range(r.bits(5) + 1)]
    return points[0]


def _operating_point(r: BitReader, decoder_model: bool, delay_length: int,
                     initial_display_delay: bool) -> tuple[int, int]:
    r.skip(12)  # operating_point_idc
    level = r.bits(5)
    tier = r.bits(1) if level > 7 else 0
    if decoder_model and r.flag():  # decoder_buffer_delay, encoder_buffer_delay, low_delay
        r.skip(2 * delay_length + 1)
    if initial_display_delay and r.flag():
        r.skip(4)
    return level, tier


def _skip_to_color_config(r: BitReader, reduced: bool) -> None:
    """Skip the frame size and coding tool flags that precede color_config()."""
    width_bits, height_bits = r.bits(4) + 1, r.bits(4) + 1
    r.skip(width_bits + height_bits)
    if not reduced and r.flag():  # frame_id_numbers_present_flag
        r.skip(4 + 3)
    r.skip(3)  # use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
    if not reduced:
        r.skip(4)  # interintra, masked compound, warped motion, dual filter
        order_hint = r.flag()
        if order_hint:
            r.skip(2)  # enable_jnt_comp, enable_ref_frame_mvs
        force_screen_content = 2 if r.flag() else r.bits(1)
        if force_screen_content and not r.flag():  # seq_choose_integer_mv
            r.skip(1)  # seq_force_integer_mv
        if order_hint:
            r.skip(3)  # order_hint_bits_minus_1
    r.skip(3)  # enable_superres, enable_cdef, enable_restoration


def vp9_codec_string(*, profile: int, bit_depth: int, level: int | None = None,
                     width: int = 0, height: int = 0, frame_rate: float = 0.0) -> str:
    """``vp09.PP.LL.DD``; the level, when not coded, from the picture size and frame rate."""
    if level is None:
        level = vp9_level(width, height, frame_rate)
    return f"vp09.{profile:02d}.{level:02d}.{bit_depth:02d}"


def vp9_level(width: int, height: int, frame_rate: float) -> int:
    """The lowest VP9 level whose limits admit this picture size and rate."""
    size = width * height
    rate = size * (frame_rate or 30.0)  # an unknown rate: assume a common one
    for level, max_rate, max_size, max_breadth in _VP9_LEVELS:
        if rate <= max_rate and size <= max_size and max(width, height) <= max_breadth:
            return level
    return _VP9_LEVELS[-1][0]


def vp9_private_data(data: bytes) -> tuple[int | None, int | None, int | None]:
    """(profile, level, bit depth) from a Matroska VP9 CodecPrivate or an MP4 ``vpcC``."""
    if len(data) >= 7 and data[0] == 1 and data[1:4] == b"\x00\x00\x00":
        return data[4], data[5], data[6] >> 4  # vpcC version 1 after its full-box flags
    found: dict[int, int] = {}
    at = 0
    while at + 2 <= len(data):  # features: one byte id, one byte length, the value
        feature, length = data[at], data[at + 1]
        if length != 1 or at + 3 > len(data):
            break
        found[feature] = data[at + 2]
        at += 3
    return found.get(1), found.get(2), found.get(3)
