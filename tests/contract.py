"""Transcode requests for tests: a source and renditions in a line, the rest defaulted."""

from __future__ import annotations

from revenge.blackbeard.contract import AudioProfile, TranscodeRequest, VideoProfile
from revenge.blackbeard.source import Source, SourceAudio, SourceSubtitle, SourceVideo


def video(name: str, height: int, bitrate: int, *, codec: str = "h264",
          width: int | None = None, burn: int | None = None) -> VideoProfile:
    """A 16:9 video profile (``width`` derived from ``height`` unless given), burning
    subtitle stream ``burn`` if given."""
    return VideoProfile(name=name, width=width or 2 * round(height * 8 / 9), height=height,
                        bitrate=bitrate, codec=codec, burn_subtitle=burn)  # type: ignore[arg-type]


def audio(name: str = "audio-0", *, track: int = 1, bitrate: int = 96_000,
          default: bool = True, language: str | None = None) -> AudioProfile:
    """A stereo AAC rendition of source track ``track``."""
    return AudioProfile(name=name, track=track, bitrate=bitrate, default=default,
                        language=language)


def source(duration: float, *, width: int = 320, height: int = 240, frame_rate: float = 25.0,
           audio_tracks: tuple[int, ...] = (1,), has_video: bool = True,
           codec_string: str = "avc1.64000d", subtitles: tuple[int, ...] = ()) -> Source:
    """A source with an H.264 video track (stream 0), stereo AAC tracks and PGS tracks."""
    return Source(
        duration=duration,
        video=SourceVideo(index=0, codec="h264", codec_string=codec_string, width=width,
                          height=height, frame_rate=frame_rate) if has_video else None,
        audio=tuple(SourceAudio(index=i, codec="aac", codec_string="mp4a.40.2", channels=2,
                                channel_layout="stereo", sample_rate=48000)
                    for i in audio_tracks),
        subtitles=tuple(SourceSubtitle(index=i, codec="hdmv_pgs_subtitle") for i in subtitles))


def request(*, duration: float = 20.0, video_profiles: tuple[VideoProfile, ...] = (),
            audio_profiles: tuple[AudioProfile, ...] = (), segment_duration: float = 6.0,
            source_url: str = "http://127.0.0.1:9/internal/stream/m1",
            headers: dict[str, str] | None = None, start_segment: int = 0,
            bootstrap_duration: float = 0.0, **source_options: object) -> TranscodeRequest:
    """A transcode request of ``duration`` seconds with the renditions given."""
    return TranscodeRequest(
        source_url=source_url, source=source(duration, **source_options),  # type: ignore[arg-type]
        video=video_profiles, audio=audio_profiles, source_headers=headers or {},
        segment_duration=segment_duration, start_segment=start_segment,
        bootstrap_duration=bootstrap_duration)
