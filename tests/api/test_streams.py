"""A session's stream through the app: rewritten, signed playlists; segments on the fast
route with where they came from; stream tokens checked; a media that cannot be made."""

from __future__ import annotations

from typing import Any

import m3u8
import pytest
from twisted.logger import capturedLogs

from revenge.blackbeard.interface import MediaFailed, TranscoderError, TranscoderUnavailable
from revenge.config import Config
from revenge.config.model import PlaybackConfig, ServerConfig
from revenge.testing import AppHarness, Client, segment_body
from tests.api.support import FILM, LIBRARY, OTHER, SONG, open_session

PLAYLIST = "application/vnd.apple.mpegurl"
NO_CACHE = "no-cache, no-store, must-revalidate"


def _base(session: dict[str, Any]) -> str:
    return str(session["master_url"]).rsplit("/", 1)[0]


def _token(session: dict[str, Any]) -> str:
    return str(session["master_url"]).split("?t=")[1]


def test_the_master_playlist_is_rewritten_signed_with_every_audio_rendition(
    harness: AppHarness, alice: Client
) -> None:
    session = open_session(alice, FILM.id)
    answer = alice.get(session["master_url"])
    assert answer.status == 200
    assert (answer.header("Content-Type"), answer.header("Cache-Control")) == (PLAYLIST, NO_CACHE)
    master = m3u8.loads(answer.body.decode())
    token = _token(session)
    # The start variant first (the smaller one: no bandwidth measured yet), each signed.
    assert [v.uri for v in master.playlists] == [
        f"144p/index.m3u8?t={token}", f"source/index.m3u8?t={token}"]
    assert {v.stream_info.resolution for v in master.playlists} == {(192, 144), (320, 240)}
    assert all(v.stream_info.audio == "aac" for v in master.playlists)
    audio = [(m.type, m.language, m.default, m.uri) for m in master.media]
    assert audio == [("AUDIO", "en", "YES", f"audio-0/index.m3u8?t={token}"),
                     ("AUDIO", "fr", "NO", f"audio-1/index.m3u8?t={token}")]
    # Before answering, the first segments of what the player asks for first are at hand.
    assert {(p, n) for _, p, n in harness.transcoder.calls} == {
        ("144p", "0.ts"), ("144p", "1.ts"), ("audio-0", "0.ts"), ("audio-0", "1.ts")}


@pytest.mark.parametrize("rendition", ["source", "144p", "audio-1"])
def test_media_playlists_are_complete_vod_lists_of_signed_segments(
    alice: Client, rendition: str
) -> None:
    session = open_session(alice, FILM.id)
    answer = alice.get(f"{_base(session)}/{rendition}/index.m3u8?t={_token(session)}")
    assert answer.status == 200
    assert (answer.header("Content-Type"), answer.header("Cache-Control")) == (PLAYLIST, NO_CACHE)
    playlist = m3u8.loads(answer.body.decode())
    assert playlist.playlist_type == "vod" and playlist.is_endlist
    assert [s.uri for s in playlist.segments] == [
        f"{i}.ts?t={_token(session)}" for i in range(5)]
    assert abs(sum(s.duration for s in playlist.segments) - 30.0) < 0.1


def test_a_music_session_has_an_audio_only_master(alice: Client) -> None:
    session = open_session(alice, SONG.id)
    master = m3u8.loads(alice.get(session["master_url"]).body.decode())
    assert [v.uri for v in master.playlists] == [f"audio-0/index.m3u8?t={_token(session)}"]
    assert master.playlists[0].stream_info.codecs == "mp4a.40.2"


def test_server_abr_offers_one_auto_variant(alice: Client) -> None:
    session = open_session(alice, FILM.id, abr="server")
    master = m3u8.loads(alice.get(session["master_url"]).body.decode())
    assert [v.uri for v in master.playlists] == [f"auto/index.m3u8?t={_token(session)}"]
    auto = alice.get(f"{_base(session)}/auto/index.m3u8?t={_token(session)}")
    assert auto.status == 200 and len(m3u8.loads(auto.body.decode()).segments) == 5
    segment = alice.get(f"{_base(session)}/auto/0.ts?t={_token(session)}")
    assert segment.status == 200 and segment.body.endswith(b"/0.ts")


def test_segments_come_through_the_fast_route_saying_where_from(
    harness: AppHarness, alice: Client
) -> None:
    session = open_session(alice, FILM.id, profile="source")
    base, token = _base(session), _token(session)
    assert alice.get(session["master_url"]).status == 200  # warms segments 0 and 1
    first = alice.get(f"{base}/source/0.ts?t={token}")
    assert first.status == 200 and first.body == segment_body("source", "0.ts")
    assert (first.header("X-Served-From"), first.header("Content-Type")) == ("buffer", "video/mp2t")
    assert first.header("Cache-Control") == "private, max-age=3600"
    ahead = alice.get(f"{base}/source/4.ts?t={token}")  # nobody asked for it before
    assert (ahead.status, ahead.header("X-Served-From")) == (200, "origin")
    sound = alice.get(f"{base}/audio-1/2.ts?t={token}")
    assert sound.body == segment_body("audio-1", "2.ts")
    # The player jumped to 4: what was buffered behind it is in the cache only.
    part = alice.get(f"{base}/source/1.ts?t={token}", headers={"Range": "bytes=2-5"})
    assert (part.status, part.body, part.header("Content-Range")) == (
        206, segment_body("source", "1.ts")[2:6], f"bytes 2-5/{len(b'source/1.ts')}")
    assert part.header("X-Served-From") == "cache"
    head = alice.head(f"{base}/source/2.ts?t={token}")
    assert (head.status, head.body, head.header("X-Served-From")) == (200, b"", "cache")
    assert head.header("Content-Length") == str(len(b"source/2.ts"))
    # Stopped and opened again: the transcode is new, its segments still in the cache.
    assert alice.delete(f"/api/v1/playback/sessions/{session['session_id']}").status == 204
    again = open_session(alice, FILM.id, profile="source")
    cached = alice.get(f"{_base(again)}/source/4.ts?t={_token(again)}")
    assert cached.header("X-Served-From") == "cache"
    stats = alice.get(f"/api/v1/playback/sessions/{again['session_id']}").json()["stats"]
    assert stats["segments"]["cache"] == 1 and stats["last_served_from"] == "cache"
    assert harness.transcoder.deleted == [session["transcode_id"]]


@pytest.mark.parametrize(("every", "logged"), [(False, ["origin"]),
                                               (True, ["buffer", "origin", "cache"])])
def test_segments_a_player_waited_for_are_logged_or_all_of_them(
    every: bool, logged: list[str]
) -> None:
    harness = AppHarness(records=LIBRARY,
                         config=Config(server=ServerConfig(log_segments=every)))
    alice = harness.new_user("alice")
    session = open_session(alice, FILM.id, profile="source")
    base, token = _base(session), _token(session)
    assert alice.get(session["master_url"]).status == 200  # warms segments 0 and 1
    with capturedLogs() as events:
        for name in ("0.ts", "4.ts", "1.ts"):  # from the buffer, the origin, the cache
            assert alice.get(f"{base}/source/{name}?t={token}").status == 200
    served = [e for e in events if str(e.get("log_format", "")).startswith("segment served")]
    assert [e["source"] for e in served] == logged


@pytest.mark.parametrize(("path", "code"), [
    ("8k/0.ts", "profile_not_found"),
    ("source/5.ts", "segment_not_found"),
    ("source/0.m4s", "segment_not_found"),
    ("8k/index.m3u8", "profile_not_found"),
])
def test_unknown_renditions_and_segments_are_404s(alice: Client, path: str, code: str) -> None:
    session = open_session(alice, FILM.id)
    answer = alice.get(f"{_base(session)}/{path}?t={_token(session)}")
    assert (answer.status, answer.error) == (404, code)


def _urls(session: dict[str, Any], token: str) -> list[str]:
    base = _base(session)
    return [f"{base}/master.m3u8?t={token}", f"{base}/source/index.m3u8?t={token}",
            f"{base}/source/0.ts?t={token}"]


def test_tampered_foreign_and_missing_stream_tokens_get_403(
    harness: AppHarness, alice: Client, bob: Client
) -> None:
    session = open_session(alice, FILM.id)
    other = open_session(bob, FILM.id)
    token = _token(session)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    expires, _, mac = token.partition(".")
    for wrong in (tampered, _token(other), "1.x", f"{int(expires) + 3600}.{mac}", mac):
        for url in _urls(session, wrong):
            answer = harness.anonymous.get(url)
            assert (answer.status, answer.error) == (403, "token_invalid"), (url, wrong)
    for url in _urls(session, token):
        missing = harness.anonymous.get(url.split("?")[0])
        assert (missing.status, missing.error) == (403, "token_missing")
        # An empty ``t``: the playlist routes call it invalid, the segment route missing.
        empty = harness.anonymous.get(url.split("?")[0] + "?t=")
        assert (empty.status, empty.error in ("token_invalid", "token_missing")) == (403, True)
    # No bearer is needed with a good one, and nothing above stopped the session.
    assert [harness.anonymous.get(url).status for url in _urls(session, token)] == [200] * 3


def test_an_expired_stream_token_gets_403_token_expired() -> None:
    harness = AppHarness(records=LIBRARY, config=Config(playback=PlaybackConfig(url_ttl=60)))
    alice = harness.new_user("alice")
    session = open_session(alice, FILM.id)
    assert alice.get(session["master_url"]).status == 200
    harness.advance(61)
    for url in _urls(session, _token(session)):
        answer = alice.get(url)
        assert (answer.status, answer.error) == (403, "token_expired")
    fresh = alice.get(f"/api/v1/playback/sessions/{session['session_id']}")
    assert fresh.status == 200  # the session lives on; a new session URL is a new token


def test_a_media_that_cannot_be_made_is_unplayable_and_others_play_on(
    harness: AppHarness, alice: Client
) -> None:
    playing = open_session(alice, OTHER.id)
    harness.fail_media(FILM.id, MediaFailed("the source is truncated", status=422,
                                            code="media_failed"))
    doomed = open_session(alice, FILM.id)
    # The playlists are known without a segment; the segments say what is wrong.
    assert alice.get(doomed["master_url"]).status == 200
    for url in (f"{_base(doomed)}/source/0.ts?t={_token(doomed)}",
                f"{_base(doomed)}/audio-0/3.ts?t={_token(doomed)}"):
        answer = alice.get(url)
        assert (answer.status, answer.error) == (422, "media_unplayable"), url
        assert "truncated" in answer.json()["error"]["message"]
    assert alice.get(f"/api/v1/playback/sessions/{doomed['session_id']}").json()[
        "stats"]["errors"] >= 2
    # The other media's session streams as if nothing happened.
    assert alice.get(playing["master_url"]).status == 200
    segment = alice.get(f"{_base(playing)}/source/1.ts?t={_token(playing)}")
    assert segment.status == 200 and segment.body == segment_body("source", "1.ts")
    assert alice.get(f"/api/v1/playback/sessions/{playing['session_id']}").json()[
        "stats"]["errors"] == 0
    assert harness.transcoder.deleted == []


def test_an_unreachable_blackbeard_is_a_502_at_open(harness: AppHarness, alice: Client) -> None:
    harness.transcoder.fail_starts(TranscoderUnavailable("connection refused"))
    refused = alice.post("/api/v1/playback/sessions", {"media_id": FILM.id})
    assert (refused.status, refused.error) == (502, "transcoder_failed")
    assert alice.get("/api/v1/playback/sessions").json()["total"] == 0
    harness.transcoder.clear_failures()
    assert alice.post("/api/v1/playback/sessions", {"media_id": FILM.id}).status == 201


def test_a_failing_profile_degrades_the_session_and_every_segment_arrives(
    harness: AppHarness, alice: Client
) -> None:
    harness.transcoder.fail_segments(TranscoderError("the encoder died", status=500),
                                     profile="source")
    session = open_session(alice, FILM.id)
    base, token, sid = _base(session), _token(session), session["session_id"]

    def asked_of_source() -> int:
        return sum(profile == "source" for _, profile, _ in harness.transcoder.calls)

    for n in range(5):
        answer = alice.get(f"{base}/source/{n}.ts?t={token}")
        # Served all the same, by the next profile down.
        assert (answer.status, answer.body) == (200, segment_body("144p", f"{n}.ts"))
        allowed = alice.get(f"/api/v1/playback/sessions/{sid}").json()["allowed_profiles"]
        assert allowed == (["source", "144p"] if n < 3 else ["144p"]), n  # after the 4th
        if n == 3:
            degraded_at = asked_of_source()
    described = alice.get(f"/api/v1/playback/sessions/{sid}").json()
    assert (described["stats"]["errors"], described["quality_switches"]) == (4, 1)
    assert asked_of_source() == degraded_at  # the failing profile is no longer asked for
