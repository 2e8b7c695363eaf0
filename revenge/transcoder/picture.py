"""The picture side of a video rendition: frame rate, filter graph and H.264 settings.

Every encoded variant is BT.709 SDR 8-bit 4:2:0 H.264 High at a constant frame rate on a
global frame grid (frame ``k`` at ``k / rate``), so runs started anywhere put their frames at
the same instants. Interlaced sources are deinterlaced, HDR (PQ, HLG) is tone-mapped, the
source is turned upright (ffmpeg's autorotate) and scaled to the display geometry given.
"""

from __future__ import annotations

import math
from fractions import Fraction

from revenge.blackbeard.contract import VideoProfile
from revenge.blackbeard.source import SourceSubtitle, SourceVideo

# The rates an encoded variant may have, as exact rationals (29.97 is 30000/1001).
_STANDARD_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001),
                   Fraction(30), Fraction(48), Fraction(50), Fraction(60000, 1001),
                   Fraction(60))
MAX_RATE = 60
# (level_idc, max macroblocks per second, max frame size in macroblocks, max kbit/s High)
_H264_LEVELS = (
    (30, 40_500, 1_620, 12_500), (31, 108_000, 3_600, 17_500), (32, 216_000, 5_120, 25_000),
    (40, 245_760, 8_192, 25_000), (41, 245_760, 8_192, 62_500), (42, 522_240, 8_704, 62_500),
    (50, 589_824, 22_080, 168_750), (51, 983_040, 36_864, 300_000),
    (52, 2_073_600, 36_864, 300_000), (60, 4_177_920, 139_264, 300_000),
    (61, 8_355_840, 139_264, 600_000), (62, 16_711_680, 139_264, 1_000_000),
)
# Tone mapping: to linear light, down to BT.709 primaries, Hable's curve, back to BT.709.
_TONEMAP = ("zscale=tin={tin}:min=bt2020nc:pin=bt2020:rin=tv:t=linear:npl=100,"
            "format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
            "zscale=t=bt709:m=bt709:r=tv")
_TRANSFER_NAMES = {"pq": "smpte2084", "hlg": "arib-std-b67"}


def output_rate(source_rate: float, wanted: float | None = None) -> Fraction:
    """The constant frame rate of an encoded variant: the source's (halved while above 60),
    snapped to the nearest standard rate within 4% (a phone's variable 29.3 plays at 30)."""
    rate = wanted or source_rate
    while rate > MAX_RATE * 1.04:
        rate /= 2
    nearest = min(_STANDARD_RATES, key=lambda r: abs(float(r) - rate) / rate)
    if abs(float(nearest) - rate) / rate < 0.04:
        return nearest
    return Fraction(round(rate, 3)).limit_denominator(1001)


def grid_start(time: float, rate: Fraction) -> float:
    """The first frame instant of the global grid at or after ``time``."""
    frames = math.ceil(Fraction(time).limit_denominator(10**6) * rate - Fraction(1, 10**6))
    return float(frames / rate)


def h264_level(width: int, height: int, rate: Fraction, bitrate: int) -> int:
    """The lowest H.264 level (level_idc) that allows this picture, rate and bitrate."""
    frame = math.ceil(width / 16) * math.ceil(height / 16)
    per_second = frame * float(rate)
    for level, max_rate, max_frame, max_kbps in _H264_LEVELS:
        if frame <= max_frame and per_second <= max_rate and bitrate / 1000 <= max_kbps:
            return level
    return _H264_LEVELS[-1][0]


def codec_string(level: int) -> str:
    """RFC 6381 for what libx264 writes with ``-profile:v high``: profile 100, no flags."""
    return f"avc1.6400{level:02x}"


def _progressive(source: SourceVideo) -> list[str]:
    """From the source's frames to upright, progressive pictures."""
    # One frame per frame (not per field): the variant keeps the source's frame rate.
    return ["bwdif=mode=send_frame:parity=auto:deint=all"] if source.interlaced else []


def _grid(rate: Fraction, first_frame: float) -> str:
    # Constant rate on the global grid from the run's first frame (earlier ones dropped); at
    # 0 it also fills a late video start with its first picture, so audio and video begin
    # together.
    return f"fps=fps={rate.numerator}/{rate.denominator}:start_time={first_frame:.6f}"


def _source_steps(source: SourceVideo, *, rate: Fraction, first_frame: float) -> list[str]:
    """From the source's frames to upright, progressive pictures on the variant's grid."""
    return [*_progressive(source), _grid(rate, first_frame)]


def input_matrix(source: SourceVideo) -> str | None:
    """The matrix to read an SDR source's YUV with where the frames do not say it right.

    Untagged frames are taken as BT.601 by swscale, but an untagged HD picture is BT.709 (as
    players take it, by mpv's rule: wider than 1279 or taller than 576), so reading it as
    601 and writing 709 both shifts its colours and costs a matrix conversion per pixel
    (about 12 % of a 1080p -> 480p encode). None: the frames' own tag (or SD's 601) is right.
    """
    if source.matrix == "bt709" or (source.matrix is None and (
            source.width > 1279 or source.height > 576)):
        return "bt709"
    return None


def _sized(source: SourceVideo, profile: VideoProfile) -> list[str]:
    """From upright, progressive source pictures to the variant's size, BT.709 SDR 4:2:0."""
    colour = ""
    if source.transfer == "sdr":
        matrix = input_matrix(source)
        colour = (f":in_color_matrix={matrix}" if matrix else "") \
            + ":out_color_matrix=bt709:out_range=tv"
    steps = [f"scale={profile.width}:{profile.height}:flags=bicubic{colour}"]
    if source.transfer in _TRANSFER_NAMES:
        steps.append(_TONEMAP.format(tin=_TRANSFER_NAMES[source.transfer]))
    steps.append("format=yuv420p")
    return steps


def _finished(end: float) -> list[str]:
    """The variant's pictures tagged for what they are, ending at ``end``."""
    # The frames carry the tags (ffmpeg 9 hands libx264 the frames' colour properties, not
    # -color_trc and friends), so the bitstream says BT.709 SDR, as it now is.
    return ["setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv",
            "setsar=1",
            # A picture that ends before the media does holds its last frame; nothing runs
            # past it.
            "tpad=stop_mode=clone:stop=-1", f"trim=end={end:.6f}"]


def _variant_steps(source: SourceVideo, profile: VideoProfile, *, end: float) -> list[str]:
    """From those pictures to the variant's: its size, BT.709 SDR 4:2:0, ending at ``end``."""
    return [*_sized(source, profile), *_finished(end)]


def video_filters(source: SourceVideo, profile: VideoProfile, *, rate: Fraction,
                  first_frame: float, end: float) -> str:
    """The ``-vf`` graph of one run whose first frame is at ``first_frame``."""
    return ",".join([*_source_steps(source, rate=rate, first_frame=first_frame),
                     *_variant_steps(source, profile, end=end)])


def split_graph(source: SourceVideo, branches: list[tuple[VideoProfile, Fraction, float]], *,
                end: float) -> str:
    """The ``-filter_complex`` graph of a run making several variants (``(profile, rate,
    first_frame)`` each) from one decode; its outputs are ``[v0]``, ``[v1]``, ...

    The source is scaled (and tone-mapped) once, to the largest variant; the smaller ones
    are scaled from that picture, which costs a fraction of scaling the source again. On
    one frame rate, frames before the earliest first frame are dropped before any of it.
    """
    largest = max(branches, key=lambda b: b[0].width * b[0].height)[0]
    rates = {rate for _, rate, _ in branches}
    head = _progressive(source)
    if len(rates) == 1:
        head.append(_grid(rates.pop(), min(first for _, _, first in branches)))
    head += [*_sized(source, largest), f"split={len(branches)}"]
    graph = f"[0:{source.index}]{','.join(head)}" + "".join(
        f"[s{i}]" for i in range(len(branches)))
    for number, (profile, rate, first_frame) in enumerate(branches):
        steps = [] if profile is largest else \
            [f"scale={profile.width}:{profile.height}:flags=bicubic"]
        # Each variant on its own grid from its own first frame (a later one drops more).
        steps += [_grid(rate, first_frame), *_finished(end)]
        graph += f";[s{number}]{','.join(steps)}[v{number}]"
    return graph


# Blu-ray subtitles are placed on the disc's picture, which is this size on nearly all.
BLU_RAY_CANVAS = (1920, 1080)


def subtitle_canvas(source: SourceVideo, subtitle: SourceSubtitle) -> tuple[int, int] | None:
    """The size captions are placed on, when it is not the source picture's (a 720p rip
    of a Blu-ray keeping its subtitles); None when it is."""
    canvas = (subtitle.width, subtitle.height) if subtitle.width and subtitle.height \
        else BLU_RAY_CANVAS if subtitle.codec == "hdmv_pgs_subtitle" else None
    return None if canvas in (None, (source.width, source.height)) else canvas


def burn_graph(source: SourceVideo, profile: VideoProfile, subtitle: SourceSubtitle, *,
               rate: Fraction, first_frame: float, end: float) -> str:
    """The ``-filter_complex`` graph of a run that draws picture subtitle stream
    ``subtitle`` into every frame; its output is ``[picture]``.

    The captions go onto the upright source picture before it is scaled, where the
    bitmaps' positions (made for the source's size) hold; ffmpeg draws the subtitle stream
    as a picture of that size (of its own canvas, scaled to the source's, where that
    differs), transparent where no caption is. Past the subtitles' last packet the picture
    passes through as it is.
    """
    before = ",".join(_source_steps(source, rate=rate, first_frame=first_frame))
    after = ",".join(_variant_steps(source, profile, end=end))
    captions = f"[0:{subtitle.index}]"
    graph = f"[0:{source.index}]{before}[source];"
    if subtitle_canvas(source, subtitle) is not None:
        graph += f"{captions}[source]scale2ref=w=rw:h=rh:flags=bilinear[captions][base];"
        captions, base = "[captions]", "[base]"
    else:
        base = "[source]"
    return graph + f"{base}{captions}overlay=eof_action=pass:format=auto,{after}[picture]"


def x264_arguments(profile: VideoProfile, *, rate: Fraction, longest_segment: float,
                   preset: str) -> list[str]:
    """libx264 settings: capped bitrate, keyframes only where forced."""
    bitrate = profile.bitrate
    level = h264_level(profile.width, profile.height, rate, bitrate)
    # No keyframe of x264's own choosing may fall inside a segment: keyint past the longest.
    keyint = math.ceil(longest_segment * float(rate)) + 1
    return ["-c:v", "libx264", "-preset", preset, "-profile:v", "high",
            "-level:v", f"{level / 10:.1f}", "-b:v", str(bitrate), "-maxrate", str(bitrate),
            "-bufsize", str(bitrate), "-g", str(keyint), "-keyint_min", str(keyint),
            # No B-frames: decode order is display order, so a segment's first decode time
            # is its first picture's. hls.js anchors the timeline on the first decode time
            # of the video; with B-frames every stream began two frames late in the browser.
            "-bf", "0",
            "-sc_threshold", "0"]
