"""What a variant's ``BANDWIDTH`` and ``AVERAGE-BANDWIDTH`` say: bits per second of segments
as they go over the wire, MPEG-TS packets and headers included.

The playlists are written before anything is encoded, so these are models: the average is
the encoder's target plus the container's cost, and the peak an upper bound that the
encoder's VBV buffer (one second of ``maxrate``) guarantees over any segment.
"""

from __future__ import annotations

import math
from fractions import Fraction

from revenge.blackbeard.contract import AudioProfile, VideoProfile

TS_PACKET, TS_PAYLOAD = 188, 184
VBV_SECONDS = 1.0  # the x264 buffer, in seconds of maxrate
# x264's average rate runs over its target on busy pictures (a full VBV buffer at the start
# and every segment's forced IDR frame): 10-15% over on short films, measured.
ENCODER_OVERSHOOT = 1.15
# ffmpeg's AAC encoder spends up to ~15% over its bitrate on noise-like sound, measured.
AAC_OVERSHOOT = 1.15
AAC_FRAMES_PER_SECOND = 48_000 / 1024
ADTS_HEADER = 7
# ffmpeg's TS muxer gathers ~8 AAC frames into a PES; each PES ends in a padded packet.
AUDIO_PES_PER_SECOND = AAC_FRAMES_PER_SECOND / 8


def _in_ts(bits_per_second: float, pes_per_second: float, header: int) -> float:
    """Bits per second of a stream once in MPEG-TS: 4 bytes a packet, a PES header and on
    average half a packet of padding per PES."""
    carried = bits_per_second * TS_PACKET / TS_PAYLOAD
    return carried + pes_per_second * 8 * (header + TS_PACKET / 2)


def video_average(profile: VideoProfile, rate: Fraction | float) -> int:
    """The expected bits per second of a video variant (one PES per frame)."""
    target = profile.bitrate * (1.0 if profile.codec == "copy" else ENCODER_OVERSHOOT)
    return math.ceil(_in_ts(target, float(rate), 19))


def video_peak(profile: VideoProfile, rate: Fraction | float, segment: float) -> int:
    """The most bits per second any segment of ``segment`` seconds or more can carry."""
    if profile.codec == "copy":
        return profile.peak_bitrate or 2 * profile.bitrate
    seconds = max(segment, 1.0)
    burst = profile.bitrate * (seconds + VBV_SECONDS) / seconds
    return math.ceil(_in_ts(burst, float(rate), TS_PACKET))


def audio_average(profile: AudioProfile) -> int:
    """The expected bits per second of an AAC rendition in MPEG-TS (ADTS headers too)."""
    adts = AAC_FRAMES_PER_SECOND * ADTS_HEADER * 8
    return math.ceil(_in_ts(profile.bitrate * AAC_OVERSHOOT + adts, AUDIO_PES_PER_SECOND, 14))


def audio_peak(profile: AudioProfile) -> int:
    """AAC at a set bitrate varies little from frame to frame: 10% over the average."""
    return math.ceil(audio_average(profile) * 1.1)
