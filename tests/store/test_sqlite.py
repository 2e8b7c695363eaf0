"""The SQLite store: migrations, round trips, and refusing a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from zope.interface.verify import verifyObject

from revenge.store.interface import IStore
from revenge.store.migrations import MIGRATIONS
from revenge.store.records import MediaRecord, ProbeResult, StreamInfo
from revenge.store.sqlite import SQLiteStore

RECORD = MediaRecord(
    id="abc",
    path="/media/films/a.mp4",
    root="/media",
    size=10,
    mtime_ns=5,
    title="A",
    probe=ProbeResult(
        duration=30.0,
        container="mp4",
        bitrate=1000,
        streams=(StreamInfo(0, "video", "h264", 320, 240), StreamInfo(1, "audio", "aac",
                                                                       channels=2)),
    ),
)


def test_store_provides_the_interface(tmp_path: Path) -> None:
    assert verifyObject(IStore, SQLiteStore(tmp_path / "db", reactor=reactor))


@pytest_twisted.ensureDeferred
async def test_media_round_trip_and_delete(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    await store.open()
    try:
        assert store.is_open()
        failed = MediaRecord("bad", "/media/b.mp4", "/media", 1, 1, "b",
                             ProbeResult(error="InvalidDataError"))
        await store.save_media([RECORD, failed])
        assert sorted(await store.all_media(), key=lambda r: r.id) == [RECORD, failed]
        await store.delete_media(["abc"])
        assert await store.all_media() == [failed]
    finally:
        await store.close()
    assert not store.is_open()
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest_twisted.ensureDeferred
async def test_reopening_keeps_data(tmp_path: Path) -> None:
    for _ in range(2):
        store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
        await store.open()
        await store.save_media([RECORD])
        assert await store.all_media() == [RECORD]
        await store.close()


@pytest_twisted.ensureDeferred
async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    with pytest.raises(RuntimeError, match="newer than this Revenge knows"):
        await store.open()
    await store.close()


@pytest_twisted.ensureDeferred
async def test_progress_and_sessions_persist(tmp_path: Path) -> None:
    from revenge.store.records import SessionRecord

    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    await store.open()
    await store.save_progress("u1", "m1", 12.5, 100.0)
    await store.save_progress("u1", "m1", 30.0, 101.0)
    await store.save_progress("u2", "m1", 5.0, 101.0)
    session = SessionRecord("s1", "u1", "m1", "playing", 30.0, {"abr": "client"}, 1.0, 2.0)
    await store.save_session(session)
    await store.close()
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    await store.open()
    try:
        assert await store.progress("u1") == {"m1": 30.0}
        assert await store.progress("u2") == {"m1": 5.0}
        assert await store.sessions() == [session]
        await store.delete_session("s1")
        assert await store.sessions() == []
    finally:
        await store.close()
