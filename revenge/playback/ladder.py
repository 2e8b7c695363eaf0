"""The renditions offered for a media file: video rungs (no upscaling, remux where the
source can be cut as it is) and one audio rendition per audio track.

Rungs are named by the short side of the picture, as people say "720p" of a portrait phone
video too; the top rung, called ``source``, is the source's own size (at most 1080p).
"""

from __future__ import annotations

import attrs

from revenge.blackbeard.contract import AudioProfile, VideoProfile
from revenge.blackbeard.source import Source
from revenge.playback.labels import audio_labels
from revenge.playback.sources import indexed, source_of
from revenge.store.records import ProbeResult, StreamInfo

# name, short side, video bits/s of a 16:9 picture of that size.
STANDARD_RUNGS: tuple[tuple[str, int, int], ...] = (
    ("1080p", 1080, 5_000_000),
    ("720p", 720, 2_800_000),
    ("480p", 480, 1_400_000),
    ("360p", 360, 800_000),
    ("240p", 240, 400_000),
    ("144p", 144, 200_000),
)
REMUXABLE_VIDEO = frozenset({"h264"})
STEREO_BITRATE = 128_000
MONO_BITRATE = 96_000
MIN_AUDIO_BITRATE = 32_000
MIN_VIDEO_BITRATE = 32_000


@attrs.frozen
class Variant:
    """A video variant as an ABR brain sees it: a name and its nominal bits per second."""

    name: str
    bandwidth: int


@attrs.frozen(cache_hash=True)  # a key of the shared transcodes and of their timelines
class Ladder:
    """What a transcode of one media makes: its source, video rungs best first, audio."""

    source: Source
    video: tuple[VideoProfile, ...]
    audio: tuple[AudioProfile, ...]
    # The bootstrap duration whose short first segments the copied video can be cut into
    # (its keyframes fall there too); 0 when it cannot, or no video is copied.
    copy_bootstrap: float = 0.0

    @property
    def audio_bitrate(self) -> int:
        """Bits per second the audio adds to any video variant (the richest track)."""
        return max((a.bitrate for a in self.audio), default=0)

    def bandwidth(self, profile: VideoProfile) -> int:
        """Nominal bits per second of a variant: its pictures plus its sound."""
        return profile.bitrate + self.audio_bitrate

    @property
    def variants(self) -> tuple[Variant, ...]:
        """The video variants, best first, as adaptation chooses among them."""
        return tuple(Variant(p.name, self.bandwidth(p)) for p in self.video)

    def rendition(self, name: str) -> VideoProfile | AudioProfile | None:
        """The rendition a URL names, if this ladder has it."""
        renditions: tuple[VideoProfile | AudioProfile, ...] = (*self.video, *self.audio)
        return next((r for r in renditions if r.name == name), None)


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _size(width: int, height: int, short: int) -> tuple[int, int]:
    """A picture of ``width`` x ``height`` scaled so its short side is ``short``."""
    if width >= height:
        return _even(width * short / height), _even(short)
    return _even(short), _even(height * short / width)


def _bitrate(nominal: int, width: int, height: int, short: int, rate: float) -> int:
    """A rung's bitrate: ``nominal`` is for a 16:9 picture whose short side is ``short``
    at 25-30 frames a second; fewer pixels or frames need fewer bits (not proportionally:
    each frame costs some, and small pictures compress worse)."""
    pixels = float(width * height / (short * short * 16 / 9)) ** 0.75
    frames = (max(0.25, rate / 24) if rate < 24 else min(2.0, max(1.0, rate / 30))) ** 0.5
    scaled: float = nominal * pixels * frames
    return max(MIN_VIDEO_BITRATE, round(scaled / 1000) * 1000)


def remuxable(probe: ProbeResult, video: StreamInfo, segment_duration: float) -> bool:
    """Whether the video can be cut into segments as it is, no encoding: H.264 8-bit SDR,
    progressive, upright, keyframes on the boundaries, in a container seeks can trust."""
    return (video.codec in REMUXABLE_VIDEO and video.codec_string is not None
            and (video.bit_depth or 8) == 8 and video.color_transfer in (None, "sdr")
            and not video.interlaced and video.rotation == 0
            and video.keyframes_aligned_to == segment_duration and indexed(probe))


def video_rungs(probe: ProbeResult, *, segment_duration: float,
                remux: bool) -> tuple[VideoProfile, ...]:
    """The video profiles for ``probe``, best first (none for audio-only media)."""
    video = probe.video
    if video is None:
        return ()
    width = video.display_width or video.width or 0
    height = video.display_height or video.height or 0
    if width < 2 or height < 2:
        return ()
    short = min(width, height)
    top_short = min(short, STANDARD_RUNGS[0][1])
    rate = video.frame_rate or 25.0
    # The rung whose figures a picture this size starts from: the smallest at least as big.
    nominal_short, top_nominal = next(
        ((s, v) for _, s, v in reversed(STANDARD_RUNGS) if s >= top_short),
        STANDARD_RUNGS[0][1:])
    top_width, top_height = _size(width, height, top_short)
    if remux and remuxable(probe, video, segment_duration):
        top = VideoProfile(name="source", width=_even(width), height=_even(height),
                           bitrate=video.bitrate or probe.bitrate or top_nominal,
                           codec="copy")
    else:
        top = VideoProfile(name="source", width=top_width, height=top_height,
                           bitrate=_bitrate(top_nominal, top_width, top_height,
                                            nominal_short, rate))
    rungs = [top]
    for name, rung, nominal in STANDARD_RUNGS:
        if rung < top_short:
            w, h = _size(width, height, rung)
            rungs.append(VideoProfile(name=name, width=w, height=h,
                                      bitrate=_bitrate(nominal, w, h, rung, rate)))
    return tuple(rungs)


def _audio_bitrate(track: StreamInfo) -> int:
    """Stereo AAC at 128 kbit/s (96 for a mono source), less for a source of fewer bits:
    re-encoding never adds what the source lacks."""
    nominal = MONO_BITRATE if (track.channels or 2) == 1 else STEREO_BITRATE
    if track.bitrate:
        nominal = min(nominal, max(MIN_AUDIO_BITRATE, 2 * track.bitrate))
    return nominal


def audio_renditions(probe: ProbeResult) -> tuple[AudioProfile, ...]:
    """One stereo AAC rendition per audio track, the file's default one marked (the first,
    when several say they are)."""
    tracks = probe.audio
    default = next((t for t in tracks if t.default), tracks[0] if tracks else None)
    return tuple(
        AudioProfile(name=f"audio-{number}", track=track.index, bitrate=_audio_bitrate(track),
                     language=track.language, label=label, default=track is default)
        for number, (track, label) in enumerate(zip(tracks, audio_labels(tracks),
                                                    strict=True)))


def build_ladder(probe: ProbeResult, *, segment_duration: float = 6.0,
                 max_bitrate: int | None = None, remux: bool = True) -> Ladder:
    """Every rendition a transcode of ``probe`` offers; ``max_bitrate`` drops the video rungs
    above it (keeping at least the lowest)."""
    audio = audio_renditions(probe)
    ladder = Ladder(source_of(probe), video_rungs(probe, segment_duration=segment_duration,
                                                  remux=remux), audio)
    if max_bitrate is not None and ladder.video:
        fitting = tuple(p for p in ladder.video if ladder.bandwidth(p) <= max_bitrate)
        ladder = attrs.evolve(ladder, video=fitting or ladder.video[-1:])
    if probe.video is not None and any(p.codec == "copy" for p in ladder.video):
        ladder = attrs.evolve(ladder, copy_bootstrap=probe.video.keyframes_bootstrap or 0.0)
    return ladder
