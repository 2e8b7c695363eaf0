"""The ``IStore`` contract, on SQLite and in memory alike: media, progress, sessions, users
and tokens round-trip, survive a reopen, and answer the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import attrs
import pytest
import pytest_twisted
from zope.interface.verify import verifyObject

from revenge.store.accounts import AccountError, User
from revenge.store.interface import IStore
from revenge.store.records import (
    PROBE_VERSION,
    MediaRecord,
    Preferences,
    ProbeResult,
    Progress,
    SessionRecord,
)
from tests.store.backends import RECORD, Backend

FAILED = MediaRecord("bad", "/media/b.mp4", "/media", 1, 1, "b",
                     ProbeResult(error="InvalidDataError"))
SESSION = SessionRecord("s1", "u1", "m1", "playing", 30.0, {"abr": "client", "n": [1, 2]},
                        1.0, 2.0)


@pytest_twisted.async_yield_fixture
async def store(backend: Backend) -> AsyncIterator[IStore]:
    """The back end's store, open; closed after the test."""
    opened = backend.store()
    await opened.open()
    yield opened
    if opened.is_open():
        await opened.close()


async def _reopened(backend: Backend, store: IStore) -> IStore:
    await store.close()
    again = backend.store()
    await again.open()
    return again


def test_the_store_provides_the_interface(backend: Backend) -> None:
    assert verifyObject(IStore, backend.store())


@pytest_twisted.ensureDeferred
async def test_media_round_trip_and_delete(store: IStore) -> None:
    assert store.is_open()
    await store.save_media([RECORD, FAILED])
    assert sorted(await store.all_media(), key=lambda r: r.id) == [RECORD, FAILED]
    await store.delete_media(["abc", "never-there"])
    assert await store.all_media() == [FAILED]
    await store.close()
    assert not store.is_open()


@pytest_twisted.ensureDeferred
async def test_the_whole_probe_round_trips_as_a_copy(store: IStore) -> None:
    await store.save_media([RECORD])
    (back,) = await store.all_media()
    assert back == RECORD and back.probe.version == PROBE_VERSION
    video = back.probe.video
    assert video is not None and (video.rotation, video.keyframes_aligned_to) == (90, 6.0)
    assert back.probe.audio[0].forced and back.probe.tags == {"artist": "Band"}
    back.probe.tags["artist"] = "Someone else"
    assert (await store.all_media())[0].probe.tags == {"artist": "Band"}


@pytest_twisted.ensureDeferred
async def test_saving_a_record_again_replaces_it_and_a_path_is_kept_once(
    store: IStore
) -> None:
    await store.save_media([RECORD, FAILED])
    retitled = attrs.evolve(RECORD, title="A, again")
    await store.save_media([retitled])
    assert sorted(await store.all_media(), key=lambda r: r.id) == [retitled, FAILED]
    # The same file under a new id (a rescan after the id scheme changed): one row.
    moved = attrs.evolve(RECORD, id="abd")
    await store.save_media([moved])
    assert sorted(await store.all_media(), key=lambda r: r.id) == [moved, FAILED]


@pytest_twisted.ensureDeferred
async def test_everything_survives_a_reopen(backend: Backend, store: IStore) -> None:
    await store.save_media([RECORD])
    await store.save_progress("u1", "m1", 12.5, 100.0)
    await store.save_session(SESSION)
    store = await _reopened(backend, store)
    try:
        assert await store.all_media() == [RECORD]
        assert await store.progress("u1") == {"m1": 12.5}
        assert await store.sessions() == [SESSION]
    finally:
        await store.close()


@pytest_twisted.ensureDeferred
async def test_progress_is_per_user_and_the_last_write_wins(store: IStore) -> None:
    await store.save_progress("u1", "m1", 12.5, 100.0)
    await store.save_progress("u1", "m1", 30.0, 101.0)
    await store.save_progress("u1", "m2", 1.0, 101.0)
    await store.save_progress("u2", "m1", 5.0, 101.0)
    assert await store.progress("u1") == {"m1": 30.0, "m2": 1.0}
    assert await store.progress("u2") == {"m1": 5.0}
    assert await store.progress("nobody") == {}


@pytest_twisted.ensureDeferred
async def test_recent_progress_comes_most_recent_first(store: IStore) -> None:
    await store.save_progress("u1", "m1", 12.5, 100.0)
    await store.save_progress("u1", "m2", 3.0, 102.0)
    await store.save_progress("u1", "m3", 4.0, 101.0)
    await store.save_progress("u1", "m1", 20.0, 103.0)
    await store.save_progress("u2", "m4", 5.0, 104.0)
    assert await store.recent_progress("u1", 10) == [
        Progress("m1", 20.0, 103.0), Progress("m2", 3.0, 102.0), Progress("m3", 4.0, 101.0)]
    assert await store.recent_progress("u1", 1) == [Progress("m1", 20.0, 103.0)]
    assert await store.recent_progress("nobody", 10) == []


@pytest_twisted.ensureDeferred
async def test_sessions_are_replaced_and_deleted(store: IStore) -> None:
    await store.save_session(SESSION)
    later = attrs.evolve(SESSION, state="paused", position=42.0, last_activity_at=9.0)
    other = attrs.evolve(SESSION, id="s2", user_id="u2")
    await store.save_session(later)
    await store.save_session(other)
    assert sorted(await store.sessions(), key=lambda s: s.id) == [later, other]
    (await store.sessions())[0].options["abr"] = "server"
    assert {s.options["abr"] for s in await store.sessions()} == {"client"}
    await store.delete_session("s1")
    await store.delete_session("never-there")
    assert await store.sessions() == [other]


@pytest_twisted.ensureDeferred
async def test_an_older_copy_of_a_session_never_replaces_a_newer_row(store: IStore) -> None:
    newer = attrs.evolve(SESSION, position=60.0, last_activity_at=50.0)
    assert await store.save_session(newer) is True
    stale = attrs.evolve(SESSION, position=10.0, last_activity_at=40.0)
    assert await store.save_session(stale) is False  # another node's copy is newer
    assert await store.session("s1") == newer
    same_time = attrs.evolve(newer, state="paused")
    assert await store.save_session(same_time) is True
    assert await store.session("s1") == same_time


@pytest_twisted.ensureDeferred
async def test_sessions_list_by_user_and_idle_ones_are_swept(store: IStore) -> None:
    old = attrs.evolve(SESSION, id="old", last_activity_at=10.0)
    live = attrs.evolve(SESSION, id="live", last_activity_at=100.0)
    theirs = attrs.evolve(SESSION, id="theirs", user_id="u2", last_activity_at=5.0)
    for record in (old, live, theirs):
        await store.save_session(record)
    assert sorted(s.id for s in await store.sessions("u1")) == ["live", "old"]
    assert [s.id for s in await store.sessions("u2")] == ["theirs"]
    assert await store.delete_idle_sessions(50.0) == 2
    assert [s.id for s in await store.sessions()] == ["live"]
    assert await store.delete_idle_sessions(50.0) == 0


@pytest_twisted.ensureDeferred
async def test_tokens_authenticate_their_user_until_revoked(
    backend: Backend, store: IStore
) -> None:
    alice = backend.add_user("alice")
    boss = backend.add_user("boss", admin=True)
    token = backend.create_token("alice")
    second = backend.create_token("alice")
    assert await store.authenticate(token) == alice == User(alice.id, "alice", False)
    assert await store.authenticate(second) == alice
    assert await store.authenticate(backend.create_token("boss")) == boss
    assert boss.is_admin
    _, token_id, secret = token.split("_", 2)  # (the secret may hold "_" too)
    for wrong in (token + "x", token[:-1], f"rv_{token_id}_", f"rv_{token_id}", "rv__" + secret,
                  f"xx_{token_id}_{secret}", f"rv_{token_id}_{secret}{'a' * 200}",
                  f"rv_{second.split('_')[1]}_{secret}", "", "Bearer " + token):
        assert await store.authenticate(wrong) is None, wrong
    backend.revoke_token(token_id)
    assert await store.authenticate(token) is None
    assert await store.authenticate(second) == alice


@pytest_twisted.ensureDeferred
async def test_account_mistakes_are_refused(backend: Backend, store: IStore) -> None:
    backend.add_user("alice")
    for bad in ("", "a" * 65, "al ice", "al/ice", "alice!"):
        with pytest.raises(AccountError, match="a user name is"):
            backend.add_user(bad)
    with pytest.raises(AccountError, match="exists already"):
        backend.add_user("alice")
    with pytest.raises(AccountError, match="no user"):
        backend.create_token("bob")
    token_id = backend.create_token("alice").split("_")[1]
    backend.revoke_token(token_id)
    with pytest.raises(AccountError, match="no active token"):
        backend.revoke_token(token_id)
    with pytest.raises(AccountError, match="no active token"):
        backend.revoke_token("nope")


@pytest_twisted.ensureDeferred
async def test_the_first_admin_is_made_once_and_only_on_an_empty_store(
    backend: Backend, store: IStore
) -> None:
    token = await store.ensure_first_admin()
    assert token is not None
    admin = await store.authenticate(token)
    assert admin is not None and (admin.name, admin.is_admin) == ("admin", True)
    assert await store.ensure_first_admin() is None
    store = await _reopened(backend, store)
    try:
        assert await store.ensure_first_admin() is None
        assert await store.authenticate(token) == admin
    finally:
        await store.close()


@pytest_twisted.ensureDeferred
async def test_a_store_with_users_gets_no_first_admin(backend: Backend, store: IStore) -> None:
    backend.add_user("alice")
    assert await store.ensure_first_admin() is None


@pytest_twisted.ensureDeferred
async def test_preferences_are_per_user_and_replaced(store: IStore) -> None:
    assert await store.preferences("u1") == Preferences()
    await store.save_preferences("u1", Preferences(audio_language="fr"))
    await store.save_preferences("u1", Preferences(audio_language="de",
                                                   subtitle_language="en"))
    await store.save_preferences("u2", Preferences(subtitle_language="ja"))
    assert await store.preferences("u1") == Preferences(audio_language="de",
                                                        subtitle_language="en")
    assert await store.preferences("u2") == Preferences(subtitle_language="ja")


@pytest_twisted.ensureDeferred
async def test_a_session_loads_by_id(store: IStore) -> None:
    await store.save_session(SESSION)
    assert await store.session("s1") == SESSION
    assert await store.session("s2") is None
    (await store.session("s1")).options["abr"] = "server"  # type: ignore[union-attr]
    assert (await store.session("s1")) == SESSION
    await store.delete_session("s1")
    assert await store.session("s1") is None


@pytest_twisted.ensureDeferred
async def test_every_change_of_the_index_moves_the_media_generation(store: IStore) -> None:
    seen = [await store.media_generation()]
    await store.save_media([RECORD])
    seen.append(await store.media_generation())
    await store.save_progress("u1", "abc", 1.0, 1.0)  # not the index
    seen.append(await store.media_generation())
    await store.delete_media(["abc"])
    seen.append(await store.media_generation())
    assert seen[0] != seen[1] == seen[2] != seen[3] and len(set(seen)) == 3


@pytest_twisted.ensureDeferred
async def test_a_lock_has_one_holder_until_released(store: IStore) -> None:
    lease = await store.try_lock("scan")
    assert lease is not None
    assert await store.try_lock("scan") is None
    other = await store.try_lock("another")
    assert other is not None
    await lease.release()
    again = await store.try_lock("scan")
    assert again is not None
    await again.release()
    await other.release()


@pytest_twisted.ensureDeferred
async def test_a_closed_store_refuses_work(store: IStore) -> None:
    await store.close()
    for call in (store.all_media, store.media_generation, lambda: store.try_lock("scan"),
                 lambda: store.session("s1")):
        with pytest.raises(RuntimeError, match="closed"):
            await call()


@pytest_twisted.ensureDeferred
async def test_nanosecond_mtimes_and_clock_times_round_trip_exactly(store: IStore) -> None:
    # 64-bit integers and 8-byte floats in every back end (PostgreSQL's INTEGER and REAL
    # are 4 bytes: they would fail this).
    record = attrs.evolve(RECORD, size=2**40 + 1, mtime_ns=1_764_590_000_123_456_789)
    session = attrs.evolve(SESSION, position=5421.123456, created_at=1_764_590_000.123456,
                           last_activity_at=1_764_590_001.654321)
    await store.save_media([record])
    await store.save_session(session)
    await store.save_progress("u1", "m1", 5421.123456, 1_764_590_000.123456)
    assert await store.all_media() == [record]
    assert await store.session(session.id) == session
    assert await store.progress("u1") == {"m1": 5421.123456}
