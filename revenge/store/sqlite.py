"""``IStore`` on one SQLite file, used from one dedicated thread so the reactor never waits."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from revenge.store import accounts
from revenge.store.accounts import User
from revenge.store.interface import IStore
from revenge.store.migrations import migrate
from revenge.store.records import (
    MediaRecord,
    Preferences,
    ProbeResult,
    Progress,
    SessionRecord,
    Sidecar,
    StreamInfo,
)

T = TypeVar("T")
_log = Logger()


@implementer(IStore)
class SQLiteStore:
    """SQLite in WAL mode; a single worker thread owns the connection and serialises writes."""

    def __init__(self, path: Path, *, reactor: IReactorThreads) -> None:
        self.path = path
        self._reactor = reactor
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="revenge-store")
        self._connection: sqlite3.Connection | None = None

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> Deferred[T]:
        def in_thread() -> T:
            if self._connection is None:
                raise RuntimeError("the store is closed")
            return work(self._connection)

        return deferToThreadPool(self._reactor, self._pool, in_thread)

    def open(self) -> Deferred[None]:
        self._pool.start()

        def connect() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            version = migrate(connection)
            self._connection = connection
            _log.info("store open at {path}, schema version {version}", path=str(self.path),
                      version=version)

        return deferToThreadPool(self._reactor, self._pool, connect)

    def close(self) -> Deferred[None]:
        def disconnect() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        async def close_then_stop() -> None:
            try:
                await deferToThreadPool(self._reactor, self._pool, disconnect)
            finally:
                self._pool.stop()

        return Deferred.fromCoroutine(close_then_stop())

    def is_open(self) -> bool:
        return self._connection is not None

    def all_media(self) -> Deferred[list[MediaRecord]]:
        def read(connection: sqlite3.Connection) -> list[MediaRecord]:
            rows = connection.execute(
                "SELECT id, path, root, size, mtime_ns, title, duration, container, bitrate,"
                " streams, probe_error, probe, sidecars FROM media"
            )
            return [_media_from_row(row) for row in rows]

        return self._run(read)

    def save_media(self, records: Sequence[MediaRecord]) -> Deferred[None]:
        rows = [_media_to_row(record) for record in records]

        def write(connection: sqlite3.Connection) -> None:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO media (id, path, root, size, mtime_ns, title,"
                    " duration, container, bitrate, streams, probe_error, probe, sidecars)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

        return self._run(write)

    def delete_media(self, ids: Sequence[str]) -> Deferred[None]:
        def delete(connection: sqlite3.Connection) -> None:
            with connection:
                connection.executemany("DELETE FROM media WHERE id = ?", [(i,) for i in ids])

        return self._run(delete)

    def save_progress(
        self, user_id: str, media_id: str, position: float, at: float
    ) -> Deferred[None]:
        def write(connection: sqlite3.Connection) -> None:
            with connection:
                connection.execute(
                    "INSERT OR REPLACE INTO progress (user_id, media_id, position, updated_at)"
                    " VALUES (?, ?, ?, ?)",
                    (user_id, media_id, position, at),
                )

        return self._run(write)

    def progress(self, user_id: str) -> Deferred[dict[str, float]]:
        def read(connection: sqlite3.Connection) -> dict[str, float]:
            rows = connection.execute(
                "SELECT media_id, position FROM progress WHERE user_id = ?", (user_id,)
            )
            return dict(rows.fetchall())

        return self._run(read)

    def recent_progress(self, user_id: str, limit: int) -> Deferred[list[Progress]]:
        def read(connection: sqlite3.Connection) -> list[Progress]:
            rows = connection.execute(
                "SELECT media_id, position, updated_at FROM progress WHERE user_id = ?"
                " ORDER BY updated_at DESC, media_id LIMIT ?", (user_id, limit))
            return [Progress(*row) for row in rows.fetchall()]

        return self._run(read)

    def preferences(self, user_id: str) -> Deferred[Preferences]:
        def read(connection: sqlite3.Connection) -> Preferences:
            row = connection.execute(
                "SELECT doc FROM preferences WHERE user_id = ?", (user_id,)).fetchone()
            return Preferences.from_json(json.loads(row[0])) if row else Preferences()

        return self._run(read)

    def save_preferences(self, user_id: str, preferences: Preferences) -> Deferred[None]:
        doc = json.dumps(preferences.to_json())

        def write(connection: sqlite3.Connection) -> None:
            with connection:
                connection.execute("INSERT OR REPLACE INTO preferences (user_id, doc)"
                                   " VALUES (?, ?)", (user_id, doc))

        return self._run(write)

    def save_session(self, record: SessionRecord) -> Deferred[None]:
        row = (record.id, record.user_id, record.media_id, record.state, record.position,
               json.dumps(record.options), record.created_at, record.last_activity_at)

        def write(connection: sqlite3.Connection) -> None:
            with connection:
                connection.execute(
                    "INSERT OR REPLACE INTO sessions (id, user_id, media_id, state, position,"
                    " options, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )

        return self._run(write)

    def delete_session(self, session_id: str) -> Deferred[None]:
        def delete(connection: sqlite3.Connection) -> None:
            with connection:
                connection.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

        return self._run(delete)

    def sessions(self) -> Deferred[list[SessionRecord]]:
        def read(connection: sqlite3.Connection) -> list[SessionRecord]:
            rows = connection.execute(
                "SELECT id, user_id, media_id, state, position, options, created_at,"
                " last_activity_at FROM sessions"
            )
            return [
                SessionRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7])
                for r in rows
            ]

        return self._run(read)

    def authenticate(self, token: str) -> Deferred[User | None]:
        return self._run(lambda connection: accounts.authenticate(connection, token))

    def ensure_first_admin(self) -> Deferred[str | None]:
        return self._run(accounts.ensure_first_admin)


def _media_to_row(record: MediaRecord) -> tuple[Any, ...]:
    probe = record.probe
    # The columns before the ``probe`` one stay filled: queries and tools may read them.
    streams = json.dumps([s.to_json() for s in probe.streams])
    return (record.id, record.path, record.root, record.size, record.mtime_ns, record.title,
            probe.duration, probe.container, probe.bitrate, streams, probe.error,
            json.dumps(probe.to_json()), json.dumps([s.to_json() for s in record.sidecars]))


def _media_from_row(row: tuple[Any, ...]) -> MediaRecord:
    (id_, path, root, size, mtime_ns, title, duration, container, bitrate, streams,
     error, whole, sidecars) = row
    if whole is not None:
        probe = ProbeResult.from_json(json.loads(whole))
    else:  # stored before the probe column: what the first probe knew
        probe = ProbeResult(
            duration=duration,
            container=container,
            bitrate=bitrate,
            streams=tuple(StreamInfo.from_json(s) for s in json.loads(streams)),
            error=error,
            version=1,
        )
    return MediaRecord(id_, path, root, size, mtime_ns, title, probe,
                       tuple(Sidecar.from_json(s) for s in json.loads(sidecars)))
