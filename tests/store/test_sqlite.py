"""What only the SQLite store does: its file (WAL, schema version), migrations, refusing a
newer schema, and reading rows older Revenges wrote. The ``IStore`` contract itself is
``test_contract``, on every back end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.interfaces import IReactorThreads

from revenge.library.scan import FoundFile, media_id, plan_scan
from revenge.store.migrations import MIGRATIONS, script
from revenge.store.records import ProbeResult
from revenge.store.sql import SQLITE
from revenge.store.sqlite import SQLiteStore
from tests.store.backends import RECORD


@pytest_twisted.ensureDeferred
async def test_the_file_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=IReactorThreads(reactor))
    await store.open()
    await store.save_media([RECORD])
    await store.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # The columns older readers know stay filled beside the whole probe.
        row = connection.execute("SELECT duration, container, streams FROM media").fetchone()
    assert row[0] == 30.0 and row[1] == "mp4" and '"avc1.64001f"' in row[2]


@pytest_twisted.ensureDeferred
async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=IReactorThreads(reactor))
    with pytest.raises(RuntimeError, match="newer than this Revenge knows"):
        await store.open()
    await store.close()


def _old_database(path: Path) -> None:
    """A database as the first Revenge left it: three migrations, one probed file."""
    with sqlite3.connect(path) as connection:
        for number in range(1, 4):
            connection.executescript(
                f"BEGIN; {script(SQLITE, number)} PRAGMA user_version = {number}; COMMIT;")
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
    store = SQLiteStore(tmp_path / "db.sqlite3", reactor=IReactorThreads(reactor))
    await store.open()
    try:
        (old,) = await store.all_media()
        assert old.probe.version == 1
        assert (old.probe.duration, old.probe.container, old.probe.bitrate) == (
            12.5, "matroska,webm", 800)
        assert [(s.kind, s.codec) for s in old.probe.streams] == [("video", "h264"),
                                                                   ("audio", "aac")]
        assert old.probe.video is not None and old.probe.video.width == 320
        assert old.sidecars == ()
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
