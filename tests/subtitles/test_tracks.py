"""A media's subtitle tracks: embedded streams in stream order, then sidecars by name."""

from __future__ import annotations

from revenge.store.records import MediaRecord, ProbeResult, Sidecar, StreamInfo
from revenge.subtitles.tracks import SubtitleTrack, subtitle_tracks

STREAMS = (
    StreamInfo(index=0, kind="video", codec="h264"),
    StreamInfo(index=1, kind="audio", codec="aac", language="fr"),
    StreamInfo(index=2, kind="subtitle", codec="subrip", language="en", text=True,
               default=True, title="English"),
    StreamInfo(index=3, kind="subtitle", codec="hdmv_pgs_subtitle", language="en",
               text=False, forced=True),
    StreamInfo(index=4, kind="subtitle", codec="mov_text", language="fr", text=True,
               title="Français (SDH)"),
    StreamInfo(index=5, kind="subtitle", codec="ass", language="de", text=True,
               title="Forced signs"),
)
RECORD = MediaRecord(
    "m1", "/films/Film.mkv", "/films", 10, 20, "Film", ProbeResult(streams=STREAMS),
    sidecars=(Sidecar("/films/Film.de.ass", 1, 2), Sidecar("/films/Film.sdh.en.vtt", 3, 4)))


def test_tracks_are_numbered_embedded_first_then_sidecars() -> None:
    assert subtitle_tracks(RECORD) == (
        SubtitleTrack(number=0, codec="subrip", text=True, language="en", title="English",
                      default=True, stream_index=2),
        SubtitleTrack(number=1, codec="hdmv_pgs_subtitle", text=False, language="en",
                      title=None, forced=True, stream_index=3),
        SubtitleTrack(number=2, codec="mov_text", text=True, language="fr",
                      title="Français (SDH)", hearing_impaired=True, stream_index=4),
        SubtitleTrack(number=3, codec="ass", text=True, language="de", title="Forced signs",
                      forced=True, stream_index=5),
        SubtitleTrack(number=4, codec="ass", text=True, language="de", title=None,
                      sidecar="/films/Film.de.ass"),
        SubtitleTrack(number=5, codec="webvtt", text=True, language="en", title=None,
                      hearing_impaired=True, sidecar="/films/Film.sdh.en.vtt"),
    )


def test_a_media_without_subtitles_has_no_tracks() -> None:
    assert subtitle_tracks(MediaRecord("m", "/a.mp4", "/", 1, 1, "a", ProbeResult())) == ()
