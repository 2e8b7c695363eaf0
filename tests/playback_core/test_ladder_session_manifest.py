"""The ladder, the session state machine and manifest rewriting."""

from __future__ import annotations

import m3u8
import pytest

from revenge.playback.ladder import build_ladder
from revenge.playback.manifest import ManifestError, rewrite_master, rewrite_media
from revenge.playback.session import Session, SessionOptions, State
from revenge.store.records import ProbeResult, StreamInfo


def _probe(height: int, vcodec: str = "h264", acodec: str = "aac", *, aligned: float = 6.0,
           width: int | None = None, rotation: int = 0, audio: int = 1) -> ProbeResult:
    width = width or height * 16 // 9
    shown = (height, width) if rotation in (90, 270) else (width, height)
    return ProbeResult(duration=60.0, container="mov,mp4,m4a,3gp,3g2,mj2", streams=(
        StreamInfo(index=0, kind="video", codec=vcodec, codec_string="avc1.64001f",
                   width=width, height=height, display_width=shown[0],
                   display_height=shown[1], rotation=rotation, bitrate=3_000_000,
                   frame_rate=25.0, keyframes_aligned_to=aligned),
        *(StreamInfo(index=1 + n, kind="audio", codec=acodec, bitrate=128_000, channels=2,
                     language=("en", "fr")[n % 2], default=n == 1) for n in range(audio)),
    ))


def test_ladder_never_upscales_and_remuxes_friendly_sources() -> None:
    ladder = build_ladder(_probe(720))
    assert [p.name for p in ladder.video] == ["source", "480p", "360p", "240p", "144p"]
    assert (ladder.video[0].codec, ladder.video[0].height) == ("copy", 720)
    assert all(p.height < 720 and p.codec == "h264" for p in ladder.video[1:])
    assert [(p.width, p.height) for p in ladder.video[1:3]] == [(854, 480), (640, 360)]
    hevc = build_ladder(_probe(1080, "hevc", "ac3"))
    assert (hevc.video[0].codec, hevc.video[0].bitrate) == ("h264", 5_000_000)
    assert build_ladder(_probe(720), remux=False).video[0].codec == "h264"
    assert build_ladder(_probe(720, aligned=2.0)).video[0].codec == "h264"  # not on 6 s
    music = build_ladder(ProbeResult(duration=3.0, streams=(
        StreamInfo(index=0, kind="audio", codec="mp3", channels=2),)))
    assert music.video == () and [a.name for a in music.audio] == ["audio-0"]


def test_every_audio_track_is_a_rendition_and_the_default_is_kept() -> None:
    ladder = build_ladder(_probe(720, audio=3))
    assert [(a.name, a.track, a.language) for a in ladder.audio] == [
        ("audio-0", 1, "en"), ("audio-1", 2, "fr"), ("audio-2", 3, "en")]
    assert [a.default for a in ladder.audio] == [False, True, False]
    assert ladder.bandwidth(ladder.video[1]) == ladder.video[1].bitrate + 128_000


def test_portrait_video_keeps_its_shape_and_is_named_by_its_short_side() -> None:
    phone = build_ladder(_probe(1080, width=1920, rotation=90))
    assert phone.video[0].codec == "h264"  # a turned picture must be encoded upright
    assert (phone.video[0].width, phone.video[0].height) == (1080, 1920)
    assert [(p.name, p.width, p.height) for p in phone.video[1:3]] == [
        ("720p", 720, 1280), ("480p", 480, 854)]


def test_ladder_respects_max_bitrate_but_keeps_the_lowest() -> None:
    capped = build_ladder(_probe(720), max_bitrate=1_000_000)
    assert [p.name for p in capped.video] == ["360p", "240p", "144p"]
    assert [p.name for p in build_ladder(_probe(720), max_bitrate=1).video] == ["144p"]


def _session() -> Session:
    return Session("s", "u", "m", "transcode", build_ladder(_probe(240)), SessionOptions(),
                   0.0, 0.0)


def _state(session: Session) -> State:
    """``session.state``, read afresh (mypy would keep an earlier assert's narrowing)."""
    return session.state


def _progressed(session: Session) -> bool:
    """``session.progressed``, read afresh (as ``_state``)."""
    return session.progressed


def test_state_machine() -> None:
    session = _session()
    assert _state(session) is State.BUFFERING and not _progressed(session)
    session.segment_delivered(12.0)
    assert _state(session) is State.PLAYING and _progressed(session) and session.position == 12.0
    session.heartbeat(15.0, State.PAUSED)
    assert _state(session) is State.PAUSED
    assert session.move_to(State.PLAYING)
    assert not session.move_to(State.PLAYING)
    assert session.move_to(State.STOPPED)
    assert not session.move_to(State.PLAYING) and _state(session) is State.STOPPED


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
    # A name the playlist lacks is skipped, never paired with another variant.
    missing = m3u8.loads(rewrite_master(MASTER, token="T", order=lambda ps: ["720p", "144p"]))
    assert [(v.uri, v.stream_info.bandwidth) for v in missing.playlists] == [
        ("144p/index.m3u8?t=T", 264000)]


def test_media_rewrite_routes_segments_and_init_sections() -> None:
    text = rewrite_media(MEDIA, token="T")
    out = m3u8.loads(text)
    assert [s.uri for s in out.segments] == ["0.m4s?t=T", "1.m4s?t=T"]
    assert out.segments[0].init_section.uri == "init.mp4?t=T"
    assert "blackbeard" not in text and out.is_endlist


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
