"""The complete VOD playlists of a transcode, known from the start (fixed segment times).

Each rendition's ``EXTINF`` values are the real spans of its segments: video frames sit on
its frame grid and audio packets on the 1024-sample grid, so a segment whose timeline span
is ``[6, 12)`` really holds ``[6.006, 12.012)`` of 29.97 fps video. The master playlist
describes what each variant really is: the codecs of the bitstream made, its picture size and
frame rate, and a ``BANDWIDTH`` no segment exceeds.
"""

from __future__ import annotations

import math

from revenge.blackbeard.contract import AudioProfile, Rendition, TranscodeRequest, VideoProfile
from revenge.blackbeard.naming import segment_name
from revenge.transcoder import bitrates, picture, sound

AUDIO_GROUP = "aac"
AAC = "mp4a.40.2"  # what ffmpeg's aac encoder makes: AAC-LC


def segment_spans(request: TranscodeRequest, rendition: Rendition) -> list[tuple[float, float]]:
    """The real ``(start, end)`` of every segment of ``rendition``, in timeline seconds."""
    starts = list(request.timeline.starts)
    if isinstance(rendition, AudioProfile):
        edges = [sound.grid_ceil(t) / sound.SAMPLE_RATE for t in starts]
        edges[0] = 0.0  # the first segment holds the encoder's priming too, from -1 frame
        end = sound.grid_ceil(request.duration) / sound.SAMPLE_RATE
    elif rendition.codec == "copy":
        edges, end = starts, request.duration
    else:
        assert request.source.video is not None
        rate = picture.output_rate(request.source.video.frame_rate, rendition.frame_rate)
        edges = [picture.grid_start(t, rate) for t in starts]
        end = picture.grid_start(request.duration, rate)
    return list(zip(edges, [*edges[1:], end], strict=True))


def media_playlist(request: TranscodeRequest, rendition: Rendition) -> str:
    """Every segment of ``rendition`` from the first, with its real duration."""
    spans = segment_spans(request, rendition)
    lengths = [end - start for start, end in spans]
    lines = ["#EXTM3U", "#EXT-X-VERSION:3",
             # RFC 8216 §4.3.3.1: no EXTINF, rounded to the nearest integer, exceeds it.
             f"#EXT-X-TARGETDURATION:{max(1, math.floor(max(lengths) + 0.5))}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    for index, length in enumerate(lengths):
        lines += [f"#EXTINF:{length:.6f},", segment_name(index)]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def master_playlist(request: TranscodeRequest) -> str:
    """Video variants (each naming the audio group), or audio-only variants for music."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio = request.audio
    if request.video:
        lines += _renditions(audio)
        for profile in request.video:
            lines += [_video_variant(request, profile, audio), f"{profile.name}/index.m3u8"]
    else:
        first = next((a for a in audio if a.default), audio[0])
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={bitrates.audio_peak(first)},"
                  f"AVERAGE-BANDWIDTH={bitrates.audio_average(first)},CODECS=\"{AAC}\"",
                  f"{first.name}/index.m3u8"]
    return "\n".join(lines) + "\n"


def _renditions(audio: tuple[AudioProfile, ...]) -> list[str]:
    default = next((a for a in audio if a.default), audio[0] if audio else None)
    names: set[str] = set()
    lines = []
    for number, profile in enumerate(audio, start=1):
        name = profile.label or profile.language or f"Track {number}"
        while name in names:  # NAME is unique within a group
            name = f"{name} ({number})"
        names.add(name)
        attributes = [f'TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}"', f'NAME="{_quoted(name)}"']
        if profile.language:
            attributes.append(f'LANGUAGE="{_quoted(profile.language)}"')
        attributes += [f'CHANNELS="{profile.channels}"',
                       f"DEFAULT={'YES' if profile is default else 'NO'}", "AUTOSELECT=YES",
                       f'URI="{profile.name}/index.m3u8"']
        lines.append("#EXT-X-MEDIA:" + ",".join(attributes))
    return lines


def _video_variant(request: TranscodeRequest, profile: VideoProfile,
                   audio: tuple[AudioProfile, ...]) -> str:
    source = request.source.video
    assert source is not None
    timeline = request.timeline
    # The last segment may be a short tail; the peak is bounded over whole segments.
    shortest = min((timeline.length(i) for i in range(timeline.count - 1)),
                   default=timeline.length(0))
    if profile.codec == "copy":
        codecs, rate, video_range = source.codec_string, source.frame_rate, source.transfer
    else:
        exact = picture.output_rate(source.frame_rate, profile.frame_rate)
        level = picture.h264_level(profile.width, profile.height, exact, profile.bitrate)
        codecs, rate, video_range = picture.codec_string(level), float(exact), "sdr"
    peak = bitrates.video_peak(profile, rate, shortest)
    average = bitrates.video_average(profile, rate)
    if audio:
        peak += max(bitrates.audio_peak(a) for a in audio)
        average += max(bitrates.audio_average(a) for a in audio)
        codecs = f"{codecs},{AAC}" if codecs else AAC
    attributes = [f"BANDWIDTH={peak}", f"AVERAGE-BANDWIDTH={average}"]
    if codecs:
        attributes.append(f'CODECS="{codecs}"')
    attributes += [f"RESOLUTION={profile.width}x{profile.height}", f"FRAME-RATE={rate:.3f}",
                   f"VIDEO-RANGE={'SDR' if video_range == 'sdr' else video_range.upper()}"]
    if audio:
        attributes.append(f'AUDIO="{AUDIO_GROUP}"')
    return "#EXT-X-STREAM-INF:" + ",".join(attributes)


def _quoted(text: str) -> str:
    """A quoted-string attribute value: no double quotes or line breaks allowed."""
    return text.replace('"', "'").replace("\n", " ").replace("\r", " ")
