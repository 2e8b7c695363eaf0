"""What Blackbeard is told of a file's subtitles: its picture tracks, which it may burn in;
text tracks are Revenge's own business (extracted to WebVTT), never Blackbeard's."""

from __future__ import annotations

from revenge.blackbeard.source import SourceSubtitle
from revenge.playback.sources import source_of
from revenge.store.records import ProbeResult, StreamInfo


def test_the_source_lists_the_picture_subtitle_tracks_only() -> None:
    probe = ProbeResult(duration=60.0, container="matroska,webm", streams=(
        StreamInfo(index=0, kind="video", codec="h264", width=640, height=360,
                   frame_rate=25.0),
        StreamInfo(index=1, kind="audio", codec="aac", channels=2),
        StreamInfo(index=2, kind="subtitle", codec="subrip", text=True),
        StreamInfo(index=3, kind="subtitle", codec="hdmv_pgs_subtitle", text=False),
        StreamInfo(index=4, kind="subtitle", codec="ass", text=True),
        StreamInfo(index=5, kind="subtitle", codec="dvd_subtitle", text=False),
        StreamInfo(index=6, kind="subtitle", codec="something_new"),  # neither: not known
        StreamInfo(index=7, kind="attachment", text=False),
    ))
    assert source_of(probe).subtitles == (
        SourceSubtitle(index=3, codec="hdmv_pgs_subtitle"),
        SourceSubtitle(index=5, codec="dvd_subtitle"))


def test_a_file_without_picture_subtitles_has_none_to_burn() -> None:
    probe = ProbeResult(duration=60.0, container="mov,mp4,m4a,3gp,3g2,mj2", streams=(
        StreamInfo(index=0, kind="video", codec="h264", width=640, height=360),
        StreamInfo(index=1, kind="subtitle", codec="mov_text", text=True)))
    assert source_of(probe).subtitles == ()
