"""Media records as a scan of a real library would make them, with no file behind them.

Their probes look like PyAV's of common files (H.264/AAC in MP4 with keyframes on the
segment boundaries, an AAC song, a file nothing could read), so the real ladder, playlists
and API views are built from them. Paths are under ``/media``; ids are the ones a scan
gives those paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from revenge.library.scan import media_id
from revenge.store.records import MediaRecord, ProbeResult, StreamInfo

__all__ = ["audio_record", "moved", "unprobeable_record", "video_record"]

ROOT = "/media"
_PICTURES = {"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle"}
MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


def _record(path: str, title: str, probe: ProbeResult, *, size: int) -> MediaRecord:
    full = f"{ROOT}/{path}"
    return MediaRecord(media_id(full), full, ROOT, size, 1_700_000_000_000_000_000, title,
                       probe)


def _aac(index: int, *, language: str | None, default: bool) -> StreamInfo:
    return StreamInfo(index=index, kind="audio", codec="aac", codec_string="mp4a.40.2",
                      profile="LC", bitrate=128_000, language=language, default=default,
                      channels=2, channel_layout="stereo", sample_rate=48_000)


def video_record(title: str, *, duration: float = 30.0, width: int = 320, height: int = 240,
                 languages: Sequence[str | None] = ("en",),
                 subtitles: Sequence[tuple[str, str | None]] = (),
                 segment_duration: float = 6.0) -> MediaRecord:
    """An H.264/AAC MP4 (``{title}.mp4``), one AAC track per entry of ``languages`` (the
    first is the default), a subtitle stream per ``(codec, language)`` of ``subtitles``
    (``mov_text``, ``hdmv_pgs_subtitle``...), its keyframes on every ``segment_duration``
    (so it remuxes)."""
    video = StreamInfo(
        index=0, kind="video", codec="h264", codec_string="avc1.64000d", profile="High",
        level=13, bitrate=400_000, duration=duration, width=width, height=height,
        display_width=width, display_height=height, frame_rate=25.0, bit_depth=8,
        pixel_format="yuv420p", field_order="progressive", color_transfer="sdr",
        keyframes_aligned_to=segment_duration, keyframe_interval=segment_duration)
    audio = [_aac(1 + n, language=lang, default=n == 0) for n, lang in enumerate(languages)]
    text = [StreamInfo(index=1 + len(audio) + n, kind="subtitle", codec=codec, language=lang,
                       text=codec not in _PICTURES) for n, (codec, lang) in enumerate(subtitles)]
    probe = ProbeResult(duration=duration, start=0.0, container=MP4,
                        bitrate=400_000 + 128_000 * len(audio),
                        streams=(video, *audio, *text))
    return _record(f"{title}.mp4", title, probe, size=int(duration * 66_000))


def audio_record(title: str, *, duration: float = 180.0,
                 tags: Mapping[str, str] | None = None) -> MediaRecord:
    """An AAC song in an M4A (``{title}.m4a``) with ``tags`` (artist, album...)."""
    probe = ProbeResult(duration=duration, start=0.0, container=MP4, bitrate=128_000,
                        streams=(_aac(0, language=None, default=True),), tags=dict(tags or {}))
    return _record(f"{title}.m4a", title, probe, size=int(duration * 16_000))


def unprobeable_record(title: str, *,
                       error: str = "InvalidDataError: [Errno 1094995529] Invalid data found "
                                    "when processing input") -> MediaRecord:
    """A file (``{title}.mkv``) the probe could not read: listed, never playable."""
    return _record(f"{title}.mkv", title, ProbeResult(error=error), size=1234)


def moved(record: MediaRecord, path: str, *, mtime_ns: int | None = None) -> MediaRecord:
    """``record`` as if its file were at ``path`` below ``/media`` (modified at
    ``mtime_ns``): a film in its folder, an episode in its season's."""
    full = f"{ROOT}/{path}"
    return attrs.evolve(record, id=media_id(full), path=full,
                        mtime_ns=record.mtime_ns if mtime_ns is None else mtime_ns)
