"""The sound side of an audio rendition: stereo AAC at 48 kHz on one global frame grid.

AAC frames are 1024 samples, so every run's packets sit at multiples of 1024/48000 s from
the timeline's 0 (ffmpeg's encoder puts its priming frame one frame before the first
sample). A segment holds the packets whose timestamps fall in its span; a run started after 0
begins on the grid a little before its first segment and drops that lead, so the packets
either side of a seam between runs are exactly those one run would have made.
"""

from __future__ import annotations

import math

from revenge.blackbeard.contract import AudioProfile
from revenge.blackbeard.source import SourceAudio

SAMPLE_RATE = 48_000
FRAME = 1024  # samples in an AAC frame; the encoder's delay is one frame
# A run after 0 starts at least this long before its first segment: the lead warms up the
# encoder (its first frames carry priming) and is cut off into a segment that is thrown away.
LEAD = 0.5

# FFmpeg's channel orders of the common layouts (``ffmpeg -layouts``).
LAYOUTS = {
    "mono": "FC", "stereo": "FL FR", "2.1": "FL FR LFE", "3.0": "FL FR FC",
    "3.0(back)": "FL FR BC", "4.0": "FL FR FC BC", "quad": "FL FR BL BR",
    "quad(side)": "FL FR SL SR", "3.1": "FL FR FC LFE", "5.0": "FL FR FC BL BR",
    "5.0(side)": "FL FR FC SL SR", "4.1": "FL FR FC LFE BC", "5.1": "FL FR FC LFE BL BR",
    "5.1(side)": "FL FR FC LFE SL SR", "6.0": "FL FR FC BC SL SR",
    "6.1": "FL FR FC LFE BC SL SR", "7.0": "FL FR FC BL BR SL SR",
    "7.1": "FL FR FC LFE BL BR SL SR", "7.1(wide)": "FL FR FC LFE BL BR FLC FRC",
    "7.1(wide-side)": "FL FR FC LFE FLC FRC SL SR",
}
# Gains into the left output (right mirrors it). Dialogue lives in the centre: it goes in at
# the fronts' level, not ITU's -3 dB, so it is not buried under effects; LFE is left out.
_LEFT = {"FL": 1.0, "FLC": 1.0, "FC": 1.0, "BL": 0.707, "SL": 0.707, "BC": 0.5}
_MIRROR = {"FL": "FR", "FLC": "FRC", "BL": "BR", "SL": "SR"}


def downmix(layout: str | None, channels: int) -> str | None:
    """A ``pan`` filter folding a surround layout into stereo, or None (already stereo or
    mono, or a layout not known here: then ``-ac 2`` does FFmpeg's own downmix)."""
    if channels <= 2 or layout not in LAYOUTS:
        return None
    present = LAYOUTS[layout].split()
    sides = []
    for side, mirror in (("FL", {}), ("FR", _MIRROR)):
        terms = []
        for name, gain in _LEFT.items():
            channel = mirror.get(name, name)
            if channel in present:
                terms.append(f"{gain}*{channel}")
        # "<" scales the gains to sum to 1: no clipping, whatever the mix.
        sides.append(f"{side}<{'+'.join(terms)}")
    return "pan=stereo|" + "|".join(sides)


def grid_floor(time: float) -> int:
    """The last frame boundary (in samples) at or before ``time``."""
    return math.floor(round(time * SAMPLE_RATE, 3) / FRAME) * FRAME


def grid_ceil(time: float) -> int:
    """The first frame boundary (in samples) at or after ``time``: where a segment starting
    at ``time`` really starts."""
    return math.ceil(round(time * SAMPLE_RATE, 3) / FRAME) * FRAME


def run_start(first_segment_start: float) -> int:
    """Where (in samples) a run making segments from one starting at this time begins."""
    if first_segment_start <= 0:
        return 0
    return max(0, grid_floor(first_segment_start - LEAD))


def audio_filters(track: SourceAudio, *, start: int, end: float) -> str:
    """The ``-af`` graph of a run whose first sample is ``start`` (samples), to ``end``."""
    steps = []
    mix = downmix(track.channel_layout, track.channels)
    if mix is not None:
        steps.append(mix)
    # async fills holes in the source with silence (recordings drop packets); at 0 it also
    # fills a late audio start, so sound and picture begin together.
    steps.append(f"aresample={SAMPLE_RATE}:async=1" + (":first_pts=0" if start == 0 else ""))
    if start:
        steps.append(f"atrim=start_pts={start}")
    # Sound that ends before the media does goes on as silence; nothing runs past the end.
    steps.append("apad")
    steps.append(f"atrim=end={end:.6f}")
    return ",".join(steps)


def aac_arguments(profile: AudioProfile) -> list[str]:
    """The encoder of an audio rendition.

    ffmpeg's AAC encoder spends most of its time searching for mid/side stereo with its
    default coder: with the fast coder and no M/S search it encodes about 4x faster (6 s of
    sound in ~50 ms rather than ~200 ms here), which is how long a player waits for the first
    audio segment of a session, for a small loss of coding efficiency at these bitrates.
    """
    return ["-c:a", "aac", "-aac_coder", "fast", "-aac_ms", "0", "-b:a", str(profile.bitrate),
            "-ac", str(profile.channels), "-ar", str(SAMPLE_RATE)]
