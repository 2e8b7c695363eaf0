"""The ladder, the session state machine and manifest rewriting."""

from __future__ import annotations

import m3u8
import pytest

from revenge.playback.ladder import build_ladder
from revenge.playback.manifest import ManifestError, rewrite_master, rewrite_media, segment_names
from revenge.playback.session import Session, SessionOptions, State
from revenge.store.records import ProbeResult, StreamInfo


def _probe(height: int, vcodec: str = "h264", acodec: str = "aac") -> ProbeResult:
    return ProbeResult(duration=60.0, streams=(
        StreamInfo(0, "video", vcodec, height * 16 // 9, height, 3_000_000),
        StreamInfo(1, "audio", acodec, bitrate=128_000, channels=2),
    ))


def test_ladder_never_upscales_and_remuxes_friendly_sources() -> None:
    ladder = build_ladder(_probe(720))
    assert [p.name for p in ladder] == ["source", "480p", "360p", "240p", "144p"]
    assert (ladder[0].video_codec, ladder[0].audio_codec, ladder[0].height) == ("copy", "copy", 720)
    assert all(p.height < 720 for p in ladder[1:])
    hevc = build_ladder(_probe(1080, "hevc", "ac3"))
    assert (hevc[0].video_codec, hevc[0].audio_codec) == ("h264", "aac")
    assert hevc[0].video_bitrate == 5_000_000
    assert build_ladder(_probe(720), remux=False)[0].video_codec == "h264"
    assert build_ladder(ProbeResult(streams=(StreamInfo(0, "audio", "aac"),))) == ()


def test_ladder_respects_max_bitrate_but_keeps_the_lowest() -> None:
    capped = build_ladder(_probe(720), max_bitrate=1_000_000)
    assert [p.name for p in capped] == ["360p", "240p", "144p"]
    assert [p.name for p in build_ladder(_probe(720), max_bitrate=1)] == ["144p"]


def _session() -> Session:
    return Session("s", "u", "m", "transcode", (), SessionOptions(), 0.0, 0.0)


def test_state_machine() -> None:
    session = _session()
    assert session.state is State.BUFFERING and not session.progressed
    session.segment_delivered(12.0)
    assert session.state is State.PLAYING and session.progressed and session.position == 12.0
    session.heartbeat(15.0, State.PAUSED)
    assert session.state is State.PAUSED
    assert session.move_to(State.PLAYING)
    assert not session.move_to(State.PLAYING)
    assert session.move_to(State.STOPPED)
    assert not session.move_to(State.PLAYING) and session.state is State.STOPPED


def test_a_paused_heartbeat_before_any_playing_is_not_progress() -> None:
    session = _session()
    session.heartbeat(0.0, State.PAUSED)
    assert not session.progressed
    session.heartbeat(3.0, State.PLAYING)
    assert session.progressed


MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=426x240,CODECS="avc1.64001e,mp4a.40.2"
source/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=264000,RESOLUTION=256x144
144p/index.m3u8
"""
MEDIA = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:6
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:6.0,
0.m4s
#EXTINF:2.5,
http://blackbeard:8081/api/v1/transcodes/x/source/1.m4s
#EXT-X-ENDLIST
"""


def test_master_rewrite_routes_every_variant_with_the_token() -> None:
    out = m3u8.loads(rewrite_master(MASTER, token="T"))
    assert [v.uri for v in out.playlists] == ["source/index.m3u8?t=T", "144p/index.m3u8?t=T"]
    assert out.playlists[0].stream_info.bandwidth == 900000
    reordered = m3u8.loads(rewrite_master(MASTER, token="T", order=lambda ps: ["144p"]))
    assert [v.uri for v in reordered.playlists] == ["144p/index.m3u8?t=T"]


def test_media_rewrite_routes_segments_and_init_sections() -> None:
    text = rewrite_media(MEDIA, token="T")
    out = m3u8.loads(text)
    assert [s.uri for s in out.segments] == ["0.m4s?t=T", "1.m4s?t=T"]
    assert out.segments[0].init_section.uri == "init.mp4?t=T"
    assert "blackbeard" not in text and out.is_endlist
    assert segment_names(MEDIA) == ["0.m4s", "1.m4s"]


@pytest.mark.parametrize("uri", ["a b.ts", "x/%2e%2e", "x/.hidden", "x/..", "x/"])
def test_unsafe_segment_names_from_the_transcoder_are_refused(uri: str) -> None:
    with pytest.raises(ManifestError):
        rewrite_media(MEDIA.replace("0.m4s", uri), token="T")


@pytest.mark.parametrize("uri", ["../x/index.m3u8", "%2e%2e/index.m3u8", "/abs/index.m3u8"])
def test_unsafe_variant_uris_are_refused(uri: str) -> None:
    with pytest.raises(ManifestError):
        rewrite_master(MASTER.replace("144p/index.m3u8", uri), token="T")


def test_a_media_playlist_is_not_a_master() -> None:
    with pytest.raises(ManifestError):
        rewrite_master(MEDIA, token="T")
    with pytest.raises(ManifestError):
        rewrite_media(MASTER, token="T")
