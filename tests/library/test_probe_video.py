"""The probe on real video files: codecs and their RFC 6381 strings, geometry, scan, colour."""

from __future__ import annotations

from fractions import Fraction

import pytest

from revenge.library.head import clockwise
from revenge.library.streams import display_size
from revenge.store.records import ProbeResult, StreamInfo


def _video(probes: dict[str, ProbeResult], name: str) -> StreamInfo:
    probe = probes[name]
    assert probe.error is None, probe.error
    assert probe.video is not None
    return probe.video


@pytest.mark.parametrize(("name", "codec", "codec_string", "profile", "level"), [
    ("h264_high.mp4", "h264", "avc1.64001e", "High", 30),  # from the avcC record
    ("h264_main.ts", "h264", "avc1.4d401f", "Main", 31),  # from the Annex B SPS
    ("hevc_main.mp4", "hevc", "hvc1.1.6.L60.90", "Main", 60),  # hvcC
    ("hevc_main.ts", "hevc", "hvc1.1.6.L60.90", "Main", 60),  # VPS/SPS, escapes removed
    ("hevc_main10.mkv", "hevc", "hvc1.2.4.L60.90", "Main 10", 60),
    ("hlg.ts", "hevc", "hvc1.2.4.L60.90", "Main 10", 60),
    ("av1.mp4", "av1", "av01.0.00M.08", "Main", 0),
    ("av1.webm", "av1", "av01.0.00M.08", "Main", 0),
    ("vp9.webm", "vp9", "vp09.00.20.08", "Profile 0", None),  # level from 320x240@25
    ("mpeg2.mpg", "mpeg2video", "mp4v.61", "Main", 8),
    ("mpeg4.avi", "mpeg4", "mp4v.20.1", "Simple Profile", 1),
    ("wmv2.wmv", "wmv2", None, None, None),
])
def test_codecs_and_codec_strings(probes: dict[str, ProbeResult], name: str, codec: str,
                                  codec_string: str | None, profile: str | None,
                                  level: int | None) -> None:
    video = _video(probes, name)
    assert (video.codec, video.codec_string, video.profile, video.level) == (
        codec, codec_string, profile, level)


@pytest.mark.parametrize(("name", "container"), [
    ("h264_high.mp4", "mov,mp4,m4a,3gp,3g2,mj2"), ("h264_main.ts", "mpegts"),
    ("hevc_main10.mkv", "matroska,webm"), ("mpeg2.vob", "mpeg"), ("mpeg4.avi", "avi"),
    ("wmv2.wmv", "asf"), ("vp9.webm", "matroska,webm"),
])
def test_container_is_ffmpegs_format_name(probes: dict[str, ProbeResult], name: str,
                                          container: str) -> None:
    assert probes[name].container == container


def test_av1_is_named_by_codec_not_decoder(probes: dict[str, ProbeResult]) -> None:
    # PyAV decodes AV1 with libdav1d: the name must still be the codec's.
    assert _video(probes, "av1.mp4").codec == "av1"
    assert [s.codec for s in probes["mpeg4.avi"].audio] == ["mp3"]  # not mp3float


def test_ten_bit_hevc(probes: dict[str, ProbeResult]) -> None:
    main10 = _video(probes, "hevc_main10.mkv")
    assert (main10.bit_depth, main10.pixel_format) == (10, "yuv420p10le")
    assert _video(probes, "hevc_main.mp4").bit_depth == 8


def test_hdr_transfer_and_colours(probes: dict[str, ProbeResult]) -> None:
    pq, hlg = _video(probes, "hdr10.mp4"), _video(probes, "hlg.ts")
    assert (pq.color_transfer, pq.color_primaries, pq.color_space) == (
        "pq", "bt2020", "bt2020nc")
    assert (hlg.color_transfer, hlg.color_primaries, hlg.color_space) == (
        "hlg", "bt2020", "bt2020nc")
    assert pq.codec_string == "hvc1.2.4.L60.90" and pq.bit_depth == 10
    sdr = _video(probes, "h264_high.mp4")
    assert (sdr.color_transfer, sdr.color_primaries) == ("sdr", None)


@pytest.mark.parametrize("name", ["mpeg2.mpg", "mpeg2.vob"])
def test_interlaced_anamorphic_pal_dvd(probes: dict[str, ProbeResult], name: str) -> None:
    video = _video(probes, name)
    assert (video.width, video.height) == (720, 576)
    assert (video.sample_aspect_ratio, video.display_aspect_ratio) == ("64:45", "16:9")
    assert (video.display_width, video.display_height) == (1024, 576)
    assert video.field_order == "tt" and video.interlaced


def test_interlaced_h264_mbaff(probes: dict[str, ProbeResult]) -> None:
    video = _video(probes, "mbaff.ts")
    assert video.field_order == "bb" and video.interlaced
    assert _video(probes, "h264_main.ts").field_order == "progressive"


def test_hevc_in_ts_field_order_comes_from_the_picture(probes: dict[str, ProbeResult]) -> None:
    # MPEG-TS declares no field order for HEVC; the decoded picture says progressive.
    assert _video(probes, "hevc_main.ts").field_order == "progressive"


def test_rotated_phone_video_displays_portrait(probes: dict[str, ProbeResult]) -> None:
    rotated = _video(probes, "rotated.mp4")
    assert (rotated.width, rotated.height) == (320, 180)
    # -display_rotation 90 is counter-clockwise: a quarter turn left, 270 clockwise.
    assert rotated.rotation == 270
    assert (rotated.display_width, rotated.display_height) == (180, 320)
    native = _video(probes, "portrait.mp4")
    assert (native.rotation, native.display_width, native.display_height) == (0, 180, 320)
    assert _video(probes, "landscape.mp4").rotation == 0


def test_rotation_is_normalised_clockwise() -> None:
    assert [clockwise(a) for a in (0, 90, -90, 180, -180, 89.6, -270)] == [
        0, 270, 90, 180, 180, 270, 270]


def test_display_size_applies_aspect_then_rotation() -> None:
    assert display_size(720, 576, Fraction(64, 45), 0) == (1024, 576)
    assert display_size(1920, 1080, Fraction(1), 90) == (1080, 1920)
    assert display_size(720, 480, Fraction(8, 9), 0) == (640, 480)
    assert display_size(1440, 1080, Fraction(4, 3), 270) == (1080, 1920)
    assert display_size(853, 479, Fraction(1), 0) == (854, 480)  # even numbers
    assert display_size(0, 0, Fraction(1), 0) == (None, None)


def test_frame_rate_and_variable_frame_rate(probes: dict[str, ProbeResult]) -> None:
    vfr = _video(probes, "vfr.mkv")
    assert vfr.variable_frame_rate
    for name in ("h264_high.mp4", "aligned.mkv", "aligned.ts", "mpeg2.mpg", "vp9.webm"):
        video = _video(probes, name)
        assert not video.variable_frame_rate, name
        assert video.frame_rate == 25.0


def test_container_start_is_the_timeline_origin(probes: dict[str, ProbeResult]) -> None:
    shifted = probes["offset.ts"]
    assert shifted.start is not None and 10.0 <= shifted.start <= 12.0
    assert shifted.duration is not None and abs(shifted.duration - 2.0) < 0.1
    video = _video(probes, "offset.ts")
    assert video.start is not None and abs(video.start - shifted.start) < 0.1
    assert video.duration is not None and abs(video.duration - 2.0) < 0.05
    assert probes["h264_high.mp4"].start == 0.0


def test_stream_bitrates_and_times(probes: dict[str, ProbeResult]) -> None:
    video = _video(probes, "h264_high.mp4")
    assert video.bitrate is not None and 50_000 < video.bitrate < 2_000_000
    assert (video.start, video.duration) == (0.0, 2.0)
    assert video.end == 2.0
    mkv = _video(probes, "hevc_main10.mkv")  # Matroska: from the DURATION tag
    assert mkv.duration == 2.0
