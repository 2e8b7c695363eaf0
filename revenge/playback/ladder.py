"""The ladder of renditions offered for a media file: no upscaling, remux where possible."""

from __future__ import annotations

from revenge.blackbeard.contract import Profile
from revenge.store.records import ProbeResult

# name, height, video bits/s, audio bits/s: the rungs a transcode may offer.
STANDARD_RUNGS: tuple[tuple[str, int, int, int], ...] = (
    ("1080p", 1080, 5_000_000, 192_000),
    ("720p", 720, 2_800_000, 128_000),
    ("480p", 480, 1_400_000, 128_000),
    ("360p", 360, 800_000, 96_000),
    ("240p", 240, 400_000, 64_000),
    ("144p", 144, 200_000, 64_000),
)
REMUXABLE_VIDEO = frozenset({"h264"})
REMUXABLE_AUDIO = frozenset({"aac"})


def build_ladder(
    probe: ProbeResult, *, max_bitrate: int | None = None, remux: bool = True
) -> tuple[Profile, ...]:
    """Profiles for ``probe``, best first.

    The top rung is the source itself: remuxed (``copy``) when its codecs are HLS-friendly,
    else encoded at the source height. Below it, the standard rungs strictly lower than the
    source. ``max_bitrate`` drops rungs above it, keeping at least the lowest.
    """
    video = probe.video
    if video is None or not video.height:
        return ()
    audio = next((s for s in probe.streams if s.kind == "audio"), None)
    below = [r for r in STANDARD_RUNGS if r[1] < video.height]
    at_or_above = [r for r in STANDARD_RUNGS if r[1] >= video.height]
    top_video, top_audio = (at_or_above[-1][2:] if at_or_above else STANDARD_RUNGS[0][2:])
    copy_video = remux and video.codec in REMUXABLE_VIDEO
    copy_audio = remux and audio is not None and audio.codec in REMUXABLE_AUDIO
    source = Profile(
        name="source",
        height=video.height,
        video_bitrate=(video.bitrate or top_video) if copy_video else top_video,
        audio_bitrate=(audio.bitrate if copy_audio and audio and audio.bitrate else top_audio),
        video_codec="copy" if copy_video else "h264",
        audio_codec="copy" if copy_audio else "aac",
    )
    ladder = [source, *(Profile(name, h, v, a) for name, h, v, a in below)]
    if max_bitrate is not None:
        fitting = [p for p in ladder if p.bandwidth <= max_bitrate]
        ladder = fitting or [ladder[-1]]
    return tuple(ladder)
