"""Rules of the master playlist: each variant's attributes against what its media holds."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tests.hls.codecs import same_codec
from tests.hls.measure import video_range
from tests.hls.model import ERROR, INFO, WARNING, Finding, Playlist, Track, VariantFigures
from tests.hls.rules import Expect

FRAME_RATE_TOLERANCE = 0.01
# Apple's mediastreamvalidator fails a measured peak more than 10% over BANDWIDTH.
BANDWIDTH_TOLERANCE = 0.10
ASPECT_TOLERANCE = 0.02
AVERAGE_BANDWIDTH_RANGE = (0.9, 1.5)  # declared / measured, beyond which ABR is misled
# ISO 639-2 codes HLS (BCP 47) wants as their two-letter forms.
_TWO_LETTER = {"eng": "en", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de", "spa": "es",
               "ita": "it", "jpn": "ja", "por": "pt", "rus": "ru", "chi": "zh", "zho": "zh",
               "dut": "nl", "nld": "nl", "swe": "sv", "kor": "ko", "ara": "ar", "pol": "pl"}


@dataclass(frozen=True)
class Rendition:
    """An EXT-X-MEDIA audio rendition and its measured playlist (None: no URI or failed)."""

    label: str
    group: str
    attributes: Any
    playlist: Playlist | None


@dataclass(frozen=True)
class Variant:
    """An EXT-X-STREAM-INF variant: its attributes, its playlist and its audio group."""

    label: str
    attributes: Any
    playlist: Playlist | None
    renditions: tuple[Rendition, ...]


def _tracks(playlist: Playlist | None, kind: str) -> list[Track]:
    if playlist is None:
        return []
    return [t for s in playlist.segments for t in s.tracks if t.kind == kind]


def peak_bitrate(playlist: Playlist | None) -> float:
    """RFC 8216bis' peak segment bit rate: the highest bit rate of any run of segments
    lasting 0.5 to 1.5 target durations (the whole playlist if no run qualifies)."""
    if playlist is None or not playlist.segments:
        return 0.0
    segments, target = playlist.segments, playlist.target_duration or 0
    best = 0.0
    for first in range(len(segments)):
        size = seconds = 0.0
        for segment in segments[first:]:
            size, seconds = size + segment.size, seconds + segment.extinf
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                best = max(best, size * 8 / seconds)
    return best or average_bitrate(playlist)


def average_bitrate(playlist: Playlist | None) -> float:
    """All segment bytes over all EXTINF seconds, in bits per second."""
    if playlist is None or not playlist.extinf_total:
        return 0.0
    return playlist.bytes_total * 8 / playlist.extinf_total


def _codecs(variant: Variant) -> list[tuple[str, bool]]:
    """The variant's measured codec strings, each with whether it came from MPEG-TS."""
    found: list[tuple[str, bool]] = []
    for playlist in [variant.playlist, *(r.playlist for r in variant.renditions)]:
        if playlist is None:
            continue
        for track in (t for s in playlist.segments[:1] for t in s.tracks):
            entry = (track.codec_string or f"unknown({track.codec})", playlist.init_uri is None)
            if entry not in found:
                found.append(entry)
    return found


def figures(variant: Variant) -> VariantFigures:
    """What was measured of a variant, for the report and the rules."""
    video = _tracks(variant.playlist, "video")
    first = next((t for t in video if t.width), None)
    aspect = None
    if first is not None:
        aspect = first.width * float(first.sar) / first.height
        aspect = 1 / aspect if first.rotation % 180 else aspect
    span = sum(t.duration for t in video)
    audio = [r.playlist for r in variant.renditions]
    return VariantFigures(
        label=variant.label, uri=variant.playlist.uri if variant.playlist else "",
        peak_bitrate=peak_bitrate(variant.playlist) + max(map(peak_bitrate, audio), default=0),
        average_bitrate=average_bitrate(variant.playlist)
        + max(map(average_bitrate, audio), default=0),
        resolution=(first.width, first.height) if first else None, display_aspect=aspect,
        codecs=tuple(c for c, _ in _codecs(variant)),
        frame_rate=sum(t.frames for t in video) / span if span else None,
        transfer=first.transfer if first else None,
        primaries=first.primaries if first else None, matrix=first.matrix if first else None,
        video_range=video_range(first.transfer) if first else None)


def judge_variant(variant: Variant, measured: VariantFigures, expect: Expect) -> list[Finding]:
    """Every master-playlist rule for one variant (its audio group's are separate)."""
    if variant.playlist is None:
        return []  # its fetch failed, and said so: its attributes cannot be measured
    found = [*_bandwidth(variant, measured), *_codec_rule(variant),
             *_picture(variant, measured, expect)]
    if expect.aspect is not None:
        found += judge_aspect(variant, measured, expect.aspect)
    return found


def _bandwidth(variant: Variant, measured: VariantFigures) -> Iterator[Finding]:
    info, where = variant.attributes, variant.label
    if not info.bandwidth:
        yield Finding(ERROR, "bandwidth", where, "expected a BANDWIDTH attribute")
    elif info.bandwidth < math.floor(measured.peak_bitrate):  # a fraction of a bit is not
        over = measured.peak_bitrate / info.bandwidth - 1
        yield Finding(ERROR if over > BANDWIDTH_TOLERANCE else WARNING, "bandwidth", where,
                      f"BANDWIDTH={info.bandwidth}; expected at least the peak segment bit"
                      " rate of the variant plus its largest audio rendition, measured"
                      f" {measured.peak_bitrate:.0f} ({over:.1%} more; an error beyond"
                      f" {BANDWIDTH_TOLERANCE:.0%})")
    elif info.bandwidth > 2 * measured.peak_bitrate:
        yield Finding(WARNING, "bandwidth", where,
                      f"BANDWIDTH={info.bandwidth} is over twice the measured peak"
                      f" {measured.peak_bitrate:.0f}: players will pick a lower variant")
    if info.average_bandwidth and measured.average_bitrate:
        ratio = info.average_bandwidth / measured.average_bitrate
        low, high = AVERAGE_BANDWIDTH_RANGE
        if not low <= ratio <= high:
            yield Finding(ERROR, "average-bandwidth", where,
                          f"AVERAGE-BANDWIDTH={info.average_bandwidth}, measured average"
                          f" {measured.average_bitrate:.0f} (ratio {ratio:.2f}, expected"
                          f" {low}-{high})")


def _codec_rule(variant: Variant) -> Iterator[Finding]:
    where, declared_text = variant.label, variant.attributes.codecs
    measured = _codecs(variant)
    shown = ",".join(c for c, _ in measured)
    for m, ts in measured:
        if m.startswith("hev1.") and not ts:
            yield Finding(WARNING, "codecs", where, f"{m!r}: an hev1 sample entry; Apple"
                          " players want hvc1 (parameter sets in the sample entry)")
    if not declared_text:
        yield Finding(ERROR, "codecs", where, f"expected CODECS={shown!r}, none given")
        return
    declared = [c.strip() for c in declared_text.split(",") if c.strip()]
    for name in declared:
        if not any(same_codec(name, m, any_entry=ts) for m, ts in measured):
            yield Finding(ERROR, "codecs", where, f"CODECS names {name!r}; expected only"
                          f" the tracks' codecs, measured {shown!r} from the bitstream")
    for m, ts in measured:
        if not any(same_codec(name, m, any_entry=ts) for name in declared):
            yield Finding(ERROR, "codecs", where, f"expected CODECS to list {m!r} (measured"
                          f" from the bitstream), CODECS={declared_text!r} does not")


def _picture(variant: Variant, measured: VariantFigures, expect: Expect) -> Iterator[Finding]:
    info, where = variant.attributes, variant.label
    video = _tracks(variant.playlist, "video")
    if not video:
        if info.resolution or info.frame_rate:
            yield Finding(WARNING, "resolution", where, "RESOLUTION/FRAME-RATE on a variant"
                          " without video")
        return
    yield from _size(variant, measured, video[0])
    yield from _frame_rate(variant, measured, video)
    declared_range = (info.video_range or "SDR").upper()
    if declared_range != measured.video_range:
        yield Finding(ERROR, "video-range", where,
                      f"VIDEO-RANGE={info.video_range or 'absent (SDR)'}; expected"
                      f" {measured.video_range} for the tagged transfer {measured.transfer}")
    if expect.video_range and measured.video_range != expect.video_range:
        yield Finding(ERROR, "colour", where, f"expected {expect.video_range} video, measured"
                      f" transfer {measured.transfer}, primaries {measured.primaries},"
                      f" matrix {measured.matrix}")


def _frame_rate(variant: Variant, measured: VariantFigures,
                video: list[Track]) -> Iterator[Finding]:
    """FRAME-RATE is the average rate, or for variable rate video its nominal one.

    HLS wants the maximum rate; with dropped frames that is one over the usual step.
    """
    declared, where = variant.attributes.frame_rate, variant.label
    steps = sorted(t.frame_duration for t in video if t.frame_duration)
    nominal = 1 / steps[len(steps) // 2] if steps else None
    if declared is None:
        yield Finding(WARNING, "frame-rate", where, f"no FRAME-RATE (measured"
                      f" {measured.frame_rate:.3f})")
        return
    rates = [r for r in (measured.frame_rate, nominal) if r]
    if rates and all(abs(declared / r - 1) > FRAME_RATE_TOLERANCE for r in rates):
        yield Finding(ERROR, "frame-rate", where, f"FRAME-RATE={declared}; expected the"
                      f" measured {measured.frame_rate:.3f} frames per second (nominal"
                      f" {nominal:.3f}) ±{FRAME_RATE_TOLERANCE:.0%}")


def _size(variant: Variant, measured: VariantFigures, video: Track) -> Iterator[Finding]:
    """RESOLUTION is the decoded picture size; aspect and rotation as displayed."""
    info, where = variant.attributes, variant.label
    size = measured.resolution
    if info.resolution is None:
        yield Finding(WARNING, "resolution", where, f"no RESOLUTION (measured {size})")
    elif tuple(info.resolution) != size:
        yield Finding(ERROR, "resolution", where, f"RESOLUTION={info.resolution[0]}x"
                      f"{info.resolution[1]}; expected the decoded picture size, measured"
                      f" {video.width}x{video.height} (sample aspect ratio {video.sar})")
    if video.sar != 1:
        yield Finding(INFO, "anamorphic", where, f"pictures {video.width}x{video.height}"
                      f" with sample aspect ratio {video.sar}: display aspect"
                      f" {measured.display_aspect:.4f}")
    if video.rotation:
        yield Finding(WARNING, "rotation", where, f"the video carries a {video.rotation}°"
                      " display rotation; not every HLS player applies it")


def judge_aspect(variant: Variant, measured: VariantFigures, aspect: float) -> list[Finding]:
    """The variant displays at the source's aspect ratio (portrait stays portrait)."""
    got = measured.display_aspect
    if got is None or abs(got / aspect - 1) <= ASPECT_TOLERANCE:
        return []
    return [Finding(ERROR, "aspect", variant.label, f"displays at aspect {got:.4f}"
                    f" ({measured.resolution}), expected {aspect:.4f} ±"
                    f"{ASPECT_TOLERANCE:.0%}")]


def _audio_group(variant: Variant) -> Iterator[Finding]:
    group, where = variant.attributes.audio, variant.label
    if not variant.renditions:
        yield Finding(ERROR, "audio-group", where, f"AUDIO={group!r}; expected an"
                      " EXT-X-MEDIA TYPE=AUDIO with that GROUP-ID, found none")
        return
    defaults = [r for r in variant.renditions if (r.attributes.default or "") == "YES"]
    if len(defaults) > 1:
        yield Finding(ERROR, "audio-group", where, f"expected at most one DEFAULT=YES in"
                      f" {group!r}, found {len(defaults)}")
    for rendition in variant.renditions:
        yield from _rendition(rendition)


def _rendition(rendition: Rendition) -> Iterator[Finding]:
    info, where = rendition.attributes, rendition.label
    language = (info.language or "").lower()
    if language in _TWO_LETTER:
        yield Finding(WARNING, "language", where, f"LANGUAGE={info.language!r}: BCP 47 wants"
                      f" {_TWO_LETTER[language]!r}")
    audio = _tracks(rendition.playlist, "audio")
    if not info.channels:
        yield Finding(ERROR, "channels", where, "expected a CHANNELS attribute")
    elif audio and audio[0].channels and str(audio[0].channels) != info.channels.split("/")[0]:
        yield Finding(ERROR, "channels", where, f"CHANNELS={info.channels!r}; expected the"
                      f" audio's {audio[0].channels} channels")


def judge_variants(variants: Sequence[Variant], measured: Sequence[VariantFigures],
                   expect: Expect) -> list[Finding]:
    """Every master rule for every checked variant."""
    found: list[Finding] = []
    groups: set[str] = set()
    for variant, figures_ in zip(variants, measured, strict=True):
        found += judge_variant(variant, figures_, expect)
        group = variant.attributes.audio
        if group and group not in groups:  # a group shared by variants is judged once
            groups.add(group)
            found += _audio_group(variant)
    return found
