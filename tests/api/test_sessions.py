"""Session routes: open, look at, list, heartbeat and stop; their 4xx; the per-user cap with
idle sessions reclaimed, and the idle reaper, on the harness's clock."""

from __future__ import annotations

import pytest

from revenge.config import Config
from revenge.config.model import PlaybackConfig
from revenge.testing import AppHarness, Client
from tests.api.support import BROKEN, FILM, LIBRARY, OTHER, SONG, open_session
from tests.fired import result_of

SESSIONS = "/api/v1/playback/sessions"


def _harness(playback: PlaybackConfig) -> AppHarness:
    return AppHarness(records=LIBRARY, config=Config(playback=playback))


def test_a_session_opens_with_a_signed_master_url_and_its_renditions(
    harness: AppHarness, alice: Client
) -> None:
    created = alice.post(SESSIONS, {"media_id": FILM.id})
    assert created.status == 201
    doc = created.json()
    sid = doc["session_id"]
    assert created.header("Location") == f"{SESSIONS}/{sid}"
    path, _, token = doc["master_url"].partition("?t=")
    assert path == f"/api/v1/playback/{sid}/master.m3u8" and token
    assert (doc["mode"], doc["state"], doc["position"]) == ("transcode", "buffering", 0.0)
    assert doc["profiles"] == ["source", "144p"] and "direct_url" not in doc
    assert [(a["name"], a["language"], a["default"]) for a in doc["audio"]] == [
        ("audio-0", "en", True), ("audio-1", "fr", False)]
    assert (doc["user"], doc["title"], doc["media_id"]) == ("alice", "Film", FILM.id)
    assert doc["client_address"] == "127.0.0.1"
    # One transcode, started at the start, of every rendition, reading the original back.
    (started,) = harness.transcoder.started
    assert started.source_url == harness.source_url(FILM.id)
    assert [r.name for r in started.renditions] == ["source", "144p", "audio-0", "audio-1"]
    assert (started.start_segment, started.segment_count) == (0, 5)
    assert doc["transcode_id"] == "t1"


def test_a_session_can_start_later_pick_a_profile_or_be_direct_played(
    harness: AppHarness, alice: Client
) -> None:
    later = open_session(alice, FILM.id, start_position=14.0, profile="144p")
    assert (later["position"], later["profiles"]) == (14.0, ["144p"])
    # An encoded ladder is cut every 2 s: 14 s is in [14, 16).
    assert harness.transcoder.started[-1].start_segment == 7
    assert [r.name for r in harness.transcoder.started[-1].video] == ["144p"]
    direct = open_session(alice, FILM.id, client={
        "containers": ["mp4", "mov"], "video_codecs": ["h264"], "audio_codecs": ["aac"]})
    assert direct["mode"] == "direct"
    assert direct["direct_url"].startswith(f"/api/v1/media/{FILM.id}/stream?t=")
    assert len(harness.transcoder.started) == 1  # direct play starts no transcode
    song = open_session(alice, SONG.id)
    assert song["profiles"] == [] and [a["name"] for a in song["audio"]] == ["audio-0"]
    assert [r.name for r in harness.transcoder.started[-1].renditions] == ["audio-0"]


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"", 400, "missing_field"),
    (b"{}", 400, "missing_field"),
    (b"{not json", 400, "bad_json"),
    (b"[1, 2]", 400, "bad_json"),
    (b"\xff\xfe", 400, "bad_json"),
    (b'{"media_id": 7}', 400, "bad_field"),
    (b'{"media_id": "nope"}', 404, "media_not_found"),
    (b'{"media_id": "%s", "start_position": -1}', 400, "bad_field"),
    (b'{"media_id": "%s", "start_position": "0"}', 400, "bad_field"),
    (b'{"media_id": "%s", "start_position": true}', 400, "bad_field"),
    (b'{"media_id": "%s", "start_position": 30.5}', 400, "bad_start_position"),
    (b'{"media_id": "%s", "profile": "8k"}', 400, "unknown_profile"),
    (b'{"media_id": "%s", "max_bitrate": 0}', 400, "bad_field"),
    (b'{"media_id": "%s", "abr": "both"}', 400, "bad_field"),
    (b'{"media_id": "%s", "client": {"containers": "mp4"}}', 400, "bad_field"),
    (b'{"media_id": "%s", "client": {"containers": [1]}}', 400, "bad_field"),
    (b'{"media_id": "%s"}' % BROKEN.id.encode(), 422, "media_unplayable"),
    (b"{" + b'"x": "' + b"a" * 70_000 + b'"}', 413, "body_too_large"),
])
def test_a_bad_session_request_is_refused_and_opens_nothing(
    harness: AppHarness, alice: Client, body: bytes, status: int, code: str
) -> None:
    if b"%s" in body:
        body = body % FILM.id.encode()
    answer = alice.post(SESSIONS, body=body, headers={"Content-Type": "application/json"})
    assert (answer.status, answer.error) == (status, code), answer.body[:200]
    assert alice.get(SESSIONS).json()["total"] == 0
    assert harness.transcoder.started == []


def test_get_list_and_delete_are_the_callers_own(
    harness: AppHarness, alice: Client, bob: Client, admin: Client
) -> None:
    first = open_session(alice, FILM.id)["session_id"]
    harness.advance(1)
    second = open_session(alice, OTHER.id)["session_id"]
    theirs = open_session(bob, FILM.id)["session_id"]
    mine = alice.get(SESSIONS).json()
    assert mine["total"] == 2 and [s["session_id"] for s in mine["items"]] == [second, first]
    got = alice.get(f"{SESSIONS}/{first}")
    assert got.status == 200 and got.json()["session_id"] == first
    assert got.json()["stats"]["segments"] == {"buffer": 0, "cache": 0, "origin": 0}
    for path in (f"{SESSIONS}/{theirs}", f"{SESSIONS}/nope"):
        answer = alice.get(path)
        assert (answer.status, answer.error) == (404, "session_not_found")
        assert alice.delete(path).status == 404
        assert alice.post(f"{path}/progress", {"position": 1}).status == 404
    assert bob.get(f"{SESSIONS}/{theirs}").status == 200  # untouched by alice's attempts

    everyone = admin.get(SESSIONS).json()
    assert everyone["total"] == 3
    assert {(s["user"], s["title"]) for s in everyone["items"]} == {
        ("alice", "Film"), ("alice", "Another film"), ("bob", "Film")}
    assert admin.get(f"{SESSIONS}/{theirs}").status == 200
    assert admin.delete(f"{SESSIONS}/{theirs}").status == 204
    assert bob.get(f"{SESSIONS}/{theirs}").status == 404

    deleted = alice.delete(f"{SESSIONS}/{first}")
    assert (deleted.status, deleted.body) == (204, b"")
    assert alice.get(f"{SESSIONS}/{first}").status == 404
    assert [s["session_id"] for s in alice.get(SESSIONS).json()["items"]] == [second]
    # The film's transcode was shared by alice and bob; both gone, it is deleted.
    assert harness.transcoder.deleted == ["t1"]
    assert [r.id for r in result_of(harness.store.sessions())] == [second]


def test_progress_moves_the_state_and_the_resume_position(
    harness: AppHarness, alice: Client
) -> None:
    sid = open_session(alice, FILM.id)["session_id"]
    beat = alice.post(f"{SESSIONS}/{sid}/progress", {"position": 12.5, "state": "playing"})
    assert beat.status == 200
    assert (beat.json()["state"], beat.json()["position"]) == ("playing", 12.5)
    paused = alice.post(f"{SESSIONS}/{sid}/progress", {"position": 13, "state": "paused"})
    assert paused.json()["state"] == "paused"
    assert alice.get(f"/api/v1/media/{FILM.id}").json()["resume_position"] == 13.0
    # A session that never played (paused at 0, then stopped) leaves the position alone.
    idle = open_session(alice, FILM.id)["session_id"]
    alice.post(f"{SESSIONS}/{idle}/progress", {"position": 0, "state": "paused"})
    stopped = alice.post(f"{SESSIONS}/{idle}/progress", {"position": 0, "state": "stopped"})
    assert stopped.status == 200 and stopped.json()["state"] == "stopped"
    assert alice.get(f"{SESSIONS}/{idle}").status == 404
    assert alice.get(f"/api/v1/media/{FILM.id}").json()["resume_position"] == 13.0


@pytest.mark.parametrize(("body", "code"), [
    ({}, "missing_field"),
    ({"state": "playing"}, "missing_field"),
    ({"position": -1}, "bad_field"),
    ({"position": "12"}, "bad_field"),
    ({"position": 1, "state": "rewinding"}, "bad_field"),
    ({"position": 1, "state": 3}, "bad_field"),
])
def test_a_bad_heartbeat_is_a_400_and_changes_nothing(
    alice: Client, body: dict[str, object], code: str
) -> None:
    sid = open_session(alice, FILM.id)["session_id"]
    answer = alice.post(f"{SESSIONS}/{sid}/progress", body)
    assert (answer.status, answer.error) == (400, code)
    after = alice.get(f"{SESSIONS}/{sid}").json()
    assert (after["state"], after["position"]) == ("buffering", 0.0)


def test_the_cap_refuses_a_fifth_stream_in_use_and_reclaims_an_abandoned_one() -> None:
    harness = _harness(PlaybackConfig(max_sessions_per_user=4, session_grace=120.0))
    family = harness.new_user("family")
    sessions = [open_session(family, FILM.id)["session_id"] for _ in range(4)]
    refused = family.post(SESSIONS, {"media_id": FILM.id})
    assert (refused.status, refused.error) == (429, "too_many_sessions")
    # Within the grace period everything still counts as in use.
    harness.advance(100)
    for sid in sessions[1:]:
        assert family.post(f"{SESSIONS}/{sid}/progress", {"position": 1}).status == 200
    assert family.post(SESSIONS, {"media_id": FILM.id}).status == 429
    # Past it, the one tab nobody touched is stopped to make room; the others are kept.
    harness.advance(21)
    fifth = open_session(family, OTHER.id)["session_id"]
    listed = [s["session_id"] for s in family.get(SESSIONS).json()["items"]]
    assert sorted(listed) == sorted([*sessions[1:], fifth])
    assert family.get(f"{SESSIONS}/{sessions[0]}").status == 404
    assert family.post(SESSIONS, {"media_id": FILM.id}).status == 429  # the rest are in use
    # Another user's streams never count against this one's cap.
    assert harness.new_user("guest").post(SESSIONS, {"media_id": FILM.id}).status == 201


def test_idle_sessions_are_reaped_and_their_transcode_deleted() -> None:
    harness = _harness(PlaybackConfig(idle_timeout=600.0))
    alice = harness.new_user("alice")
    kept, dropped = (open_session(alice, m.id)["session_id"] for m in (FILM, OTHER))
    for _ in range(7):  # 700 s, with a heartbeat every 100 s for one of them
        harness.advance(100)
        assert alice.post(f"{SESSIONS}/{kept}/progress", {"position": 5}).status == 200
    assert alice.get(f"{SESSIONS}/{dropped}").status == 404
    assert alice.get(f"{SESSIONS}/{kept}").status == 200
    assert harness.transcoder.deleted == ["t2"]
    assert [s["session_id"] for s in alice.get(SESSIONS).json()["items"]] == [kept]


def test_a_restarted_app_restores_sessions_and_their_urls_from_the_store(
    harness: AppHarness, alice: Client
) -> None:
    session = open_session(alice, FILM.id)
    sid = session["session_id"]
    alice.post(f"{SESSIONS}/{sid}/progress", {"position": 9, "state": "playing"})
    harness.stop()
    assert [r.id for r in result_of(harness.store.sessions())] == [sid]
    again = AppHarness(store=harness.store, clock=harness.clock)
    same = again.anonymous.with_token(alice.token)
    got = same.get(f"{SESSIONS}/{sid}")
    assert got.status == 200 and (got.json()["position"], got.json()["state"]) == (9.0, "playing")
    assert same.get(session["master_url"]).status == 200
    # The transcode is made again, at the session's position.
    assert again.transcoder.started[0].start_segment == 1
