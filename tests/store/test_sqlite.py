"""The SQLite store: migrations, round trips, and refusing a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest
import pytest_twisted
from twisted.internet import reactor
from zope.interface.verify import verifyObject

from revenge.library.scan import FoundFile, media_id, plan_scan
from revenge.store.interface import IStore
from revenge.store.migrations import MIGRATIONS
from revenge.store.records import PROBE_VERSION, MediaRecord, ProbeResult, StreamInfo
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
        start=1.4,
        container="mp4",
        bitrate=1000,
        tags={"artist": "Band"},
        truncated=True,
        streams=(
            StreamInfo(index=0, kind="video", codec="h264", codec_string="avc1.64001f",
                       width=1440, height=1080, display_width=1920, display_height=1080,
                       sample_aspect_ratio="4:3", rotation=90, field_order="tt",
                       color_transfer="pq", keyframes_aligned_to=6.0),
            StreamInfo(index=1, kind="audio", codec="aac", channels=2, language="fr",
                       default=True, forced=True),
        ),
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


@pytest_twisted.ensureDeferred
async def test_the_whole_probe_round_trips(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    await store.open()
    try:
        await store.save_media([RECORD])
        (back,) = await store.all_media()
    finally:
        await store.close()
    assert back.probe == RECORD.probe and back.probe.version == PROBE_VERSION
    video = back.probe.video
    assert video is not None and (video.rotation, video.keyframes_aligned_to) == (90, 6.0)
    assert back.probe.audio[0].forced and back.probe.tags == {"artist": "Band"}
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        # The columns older readers know stay filled.
        row = connection.execute("SELECT duration, container, streams FROM media").fetchone()
    assert row[0] == 30.0 and row[1] == "mp4" and '"avc1.64001f"' in row[2]


def _old_database(path: Path) -> None:
    """A database as the first Revenge left it: three migrations, one probed file."""
    with sqlite3.connect(path) as connection:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
        connection.execute(
            "INSERT INTO media (id, path, root, size, mtime_ns, title, duration, container,"
            " bitrate, streams, probe_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (media_id("/media/old.mkv"), "/media/old.mkv", "/media", 7, 9, "Old", 12.5,
             "matroska,webm", 800,
             '[{"index": 0, "kind": "video", "codec": "h264", "width": 320, "height": 240},'
             ' {"index": 1, "kind": "audio", "codec": "aac", "channels": 2,'
             ' "language": "fre"}]', None))


@pytest_twisted.ensureDeferred
async def test_rows_from_before_the_probe_column_read_as_version_1(tmp_path: Path) -> None:
    _old_database(tmp_path / "db.sqlite3")
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=reactor)
    await store.open()
    try:
        (old,) = await store.all_media()
        assert old.probe.version == 1
        assert (old.probe.duration, old.probe.container, old.probe.bitrate) == (
            12.5, "matroska,webm", 800)
        assert [(s.kind, s.codec) for s in old.probe.streams] == [("video", "h264"),
                                                                   ("audio", "aac")]
        assert old.probe.video is not None and old.probe.video.width == 320
        # Same size and mtime, but an older probe: the next scan probes it again.
        same = FoundFile(old.path, old.root, old.size, old.mtime_ns)
        assert same.id == old.id
        assert plan_scan([same], {old.id: old}).to_probe == (same,)
        reprobed = attrs.evolve(old, probe=ProbeResult(duration=12.5, container="matroska"))
        await store.save_media([reprobed])
        assert await store.all_media() == [reprobed]
        assert plan_scan([same], {old.id: reprobed}).to_probe == ()
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
