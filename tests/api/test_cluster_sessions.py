"""Two nodes on one shared store (two harnesses on one ``MemoryStore(shared=True)`` and one
clock): any node serves any session, taking it on from the store at the segment asked for;
activity reaches the store so neither node's reaper stops the other's live sessions; a
stopping node never writes over a newer copy; the per-user cap counts every node's."""

from __future__ import annotations

from typing import Any

from revenge.config import Config
from revenge.config.model import PlaybackConfig
from revenge.playback.persistence import ACTIVITY_EVERY
from revenge.testing import AppHarness, Client
from revenge.testing.store import MemoryStore
from tests.api.support import FILM, LIBRARY, OTHER, open_session
from tests.fired import result_of

SESSIONS = "/api/v1/playback/sessions"


def _nodes(**playback: Any) -> tuple[AppHarness, AppHarness]:
    store = MemoryStore(shared=True)
    config = Config(playback=PlaybackConfig(**playback))
    one = AppHarness(records=LIBRARY, store=store, config=config)
    return one, AppHarness(records=LIBRARY, store=store, config=config, clock=one.clock)


def _on(node: AppHarness, user: Client) -> Client:
    return node.anonymous.with_token(user.token)


def _user_id(node: AppHarness, user: Client) -> str:
    found = result_of(node.store.authenticate(user.token or ""))
    assert found is not None
    return found.id


def _segment(session: dict[str, Any], path: str) -> str:
    base, _, token = session["master_url"].rpartition("/master.m3u8?t=")
    return f"{base}/{path}?t={token}"


def test_a_session_opened_on_one_node_plays_on_the_other_from_the_segment_asked_for() -> None:
    one, two = _nodes()
    alice = one.new_user("alice")
    session = open_session(alice, FILM.id)
    sid = session["session_id"]
    assert alice.get(_segment(session, "source/0.ts")).status == 200
    alice_two = _on(two, alice)
    # Node one is gone; the player's next segment reaches node two.
    moved = alice_two.get(_segment(session, "source/3.ts"))
    assert moved.status == 200
    (started,) = two.transcoder.started
    assert started.start_segment == 3  # not 0, where the session's row says it was
    assert alice_two.get(_segment(session, "audio-0/3.ts")).status == 200
    assert len(two.transcoder.started) == 1  # the audio segment found the session held
    # Progress posted through node two is the resume position on node one.
    beat = alice_two.post(f"{SESSIONS}/{sid}/progress", {"position": 19.5, "state": "playing"})
    assert beat.status == 200 and beat.json()["position"] == 19.5
    assert alice.get(f"/api/v1/media/{FILM.id}").json()["resume_position"] == 19.5
    assert result_of(one.store.session(sid)).position == 19.5  # type: ignore[union-attr]
    # Someone else's session is as unknown on the node taking it on as anywhere.
    bob = _on(two, one.new_user("bob"))
    assert bob.get(f"{SESSIONS}/{sid}").status == 404
    assert _on(two, alice).get(f"{SESSIONS}/{sid}").status == 200


def test_segment_requests_write_activity_at_most_every_so_often() -> None:
    one, _ = _nodes()
    alice = one.new_user("alice")
    session = open_session(alice, FILM.id)
    sid = session["session_id"]

    def recorded() -> float:
        return result_of(one.store.session(sid)).last_activity_at  # type: ignore[union-attr]

    opened = recorded()
    one.advance(ACTIVITY_EVERY / 3)
    for index in (0, 1):
        assert alice.get(_segment(session, f"source/{index}.ts")).status == 200
    assert recorded() == opened  # too soon after the last write
    one.advance(ACTIVITY_EVERY)
    assert alice.get(_segment(session, "source/2.ts")).status == 200
    assert recorded() == one.clock.seconds()
    # With where the player is: the start of the last segment it had.
    assert result_of(one.store.session(sid)).position == 6.0  # type: ignore[union-attr]


def test_a_node_reaps_only_what_nobody_serves_and_sweeps_dead_nodes_rows() -> None:
    one, two = _nodes(idle_timeout=600.0)
    alice = one.new_user("alice")
    moved = open_session(alice, FILM.id)
    abandoned = open_session(alice, OTHER.id)["session_id"]
    alice_two = _on(two, alice)
    assert alice_two.get(_segment(moved, "source/0.ts")).status == 200
    for minute in range(12):  # node two serves it; node one's copy of it goes idle
        one.advance(60)
        assert alice_two.get(_segment(moved, f"source/{minute % 5}.ts")).status == 200
    # Node one let go of the session node two serves (its transcode deleted, not the row);
    # the session nobody came back to is stopped.
    assert one.playback.sessions_of(_user_id(one, alice)) == []
    assert sorted(one.transcoder.deleted) == ["t1", "t2"]
    assert [r.id for r in result_of(one.store.sessions())] == [moved["session_id"]]
    assert alice.get(f"{SESSIONS}/{abandoned}").status == 404
    assert alice_two.get(f"{SESSIONS}/{moved['session_id']}").status == 200
    # A row left by a node that died (no node holds it) goes once idle that long.
    ghost = open_session(_on(two, alice), OTHER.id)["session_id"]
    two.stop()
    one.advance(700)
    assert ghost not in [r.id for r in result_of(one.store.sessions())]


def test_a_stopping_node_never_writes_over_what_another_wrote_since() -> None:
    one, two = _nodes()
    alice = one.new_user("alice")
    session = open_session(alice, FILM.id)
    sid = session["session_id"]
    assert alice.post(f"{SESSIONS}/{sid}/progress", {"position": 6, "state": "playing"}).status \
        == 200
    one.advance(60)
    assert _on(two, alice).post(f"{SESSIONS}/{sid}/progress",
                                {"position": 24, "state": "paused"}).status == 200
    one.stop()  # its copy says 6 s, playing: older than node two's
    record = result_of(one.store.session(sid))
    assert record is not None and (record.position, record.state) == (24.0, "paused")
    assert result_of(one.store.progress(_user_id(one, alice))) == {FILM.id: 24.0}


def test_the_per_user_cap_counts_the_sessions_of_every_node() -> None:
    one, two = _nodes(max_sessions_per_user=1, session_grace=120.0)
    alice = one.new_user("alice")
    first = open_session(alice, FILM.id)
    refused = _on(two, alice).post(SESSIONS, {"media_id": OTHER.id})
    assert refused.status == 429 and refused.json()["error"]["code"] == "too_many_sessions"
    one.advance(300)  # the first is idle past its grace: it makes room, whichever node
    second = open_session(_on(two, alice), OTHER.id)
    ids = [r.id for r in result_of(one.store.sessions())]
    assert ids == [second["session_id"]] and first["session_id"] not in ids
    assert _on(two, alice).get(f"{SESSIONS}/{first['session_id']}").status == 404
