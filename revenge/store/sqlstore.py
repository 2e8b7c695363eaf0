"""``IStore``'s queries, written once for every SQL back end (``SQLiteStore``, ``PostgresStore``);
a back end supplies the connection and the thread each unit of work runs in."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from twisted.internet.defer import Deferred

from revenge.store import accounts
from revenge.store.accounts import User
from revenge.store.records import MediaRecord, Preferences, Progress, SessionRecord
from revenge.store.rows import media_from_row, media_to_row, session_from_row
from revenge.store.sql import SqlConnection

T = TypeVar("T")

_MEDIA_COLUMNS = ("id, path, root, size, mtime_ns, title, duration, container, bitrate,"
                  " streams, probe_error, probe, sidecars")
_SESSION_COLUMNS = "id, user_id, media_id, state, position, options, created_at, last_activity_at"
_BUMP_MEDIA = "UPDATE counters SET value = value + 1 WHERE name = 'media'"


class SqlStore:
    """The queries of ``IStore``; subclasses open, close and provide ``_run``."""

    def _run(self, work: Callable[[SqlConnection], T]) -> Deferred[T]:
        """Run ``work`` on a connection, off the reactor thread."""
        raise NotImplementedError

    def all_media(self) -> Deferred[list[MediaRecord]]:
        def read(connection: SqlConnection) -> list[MediaRecord]:
            rows = connection.query(f"SELECT {_MEDIA_COLUMNS} FROM media")
            return [media_from_row(row) for row in rows]

        return self._run(read)

    def save_media(self, records: Sequence[MediaRecord]) -> Deferred[None]:
        rows = [media_to_row(record) for record in records]

        def write(connection: SqlConnection) -> None:
            with connection.transaction():
                # A record replaces the row of its id and the row of its path (both unique).
                connection.run_many("DELETE FROM media WHERE id = ? OR path = ?",
                                    [(row[0], row[1]) for row in rows])
                connection.run_many(
                    f"INSERT INTO media ({_MEDIA_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                connection.run(_BUMP_MEDIA)

        return self._run(write)

    def delete_media(self, ids: Sequence[str]) -> Deferred[None]:
        def delete(connection: SqlConnection) -> None:
            with connection.transaction():
                connection.run_many("DELETE FROM media WHERE id = ?", [(i,) for i in ids])
                connection.run(_BUMP_MEDIA)

        return self._run(delete)

    def media_generation(self) -> Deferred[int]:
        def read(connection: SqlConnection) -> int:
            ((value,),) = connection.query("SELECT value FROM counters WHERE name = 'media'")
            return int(value)

        return self._run(read)

    def save_progress(
        self, user_id: str, media_id: str, position: float, at: float
    ) -> Deferred[None]:
        def write(connection: SqlConnection) -> None:
            connection.run(
                "INSERT INTO progress (user_id, media_id, position, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, media_id) DO UPDATE"
                " SET position = excluded.position, updated_at = excluded.updated_at",
                (user_id, media_id, position, at),
            )

        return self._run(write)

    def progress(self, user_id: str) -> Deferred[dict[str, float]]:
        def read(connection: SqlConnection) -> dict[str, float]:
            rows = connection.query(
                "SELECT media_id, position FROM progress WHERE user_id = ?", (user_id,))
            return {media_id: position for media_id, position in rows}

        return self._run(read)

    def recent_progress(self, user_id: str, limit: int) -> Deferred[list[Progress]]:
        def read(connection: SqlConnection) -> list[Progress]:
            rows = connection.query(
                "SELECT media_id, position, updated_at FROM progress WHERE user_id = ?"
                " ORDER BY updated_at DESC, media_id LIMIT ?", (user_id, limit))
            return [Progress(*row) for row in rows]

        return self._run(read)

    def preferences(self, user_id: str) -> Deferred[Preferences]:
        def read(connection: SqlConnection) -> Preferences:
            rows = connection.query("SELECT doc FROM preferences WHERE user_id = ?", (user_id,))
            return Preferences.from_json(json.loads(rows[0][0])) if rows else Preferences()

        return self._run(read)

    def save_preferences(self, user_id: str, preferences: Preferences) -> Deferred[None]:
        doc = json.dumps(preferences.to_json())

        def write(connection: SqlConnection) -> None:
            connection.run("INSERT INTO preferences (user_id, doc) VALUES (?, ?)"
                           " ON CONFLICT (user_id) DO UPDATE SET doc = excluded.doc",
                           (user_id, doc))

        return self._run(write)

    def save_session(self, record: SessionRecord) -> Deferred[bool]:
        row = (record.id, record.user_id, record.media_id, record.state, record.position,
               json.dumps(record.options), record.created_at, record.last_activity_at)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _SESSION_COLUMNS.split(", ")[1:])

        def write(connection: SqlConnection) -> bool:
            return connection.run(
                f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (id) DO UPDATE SET {updates}"
                " WHERE sessions.last_activity_at <= excluded.last_activity_at", row) > 0

        return self._run(write)

    def delete_session(self, session_id: str) -> Deferred[None]:
        def delete(connection: SqlConnection) -> None:
            connection.run("DELETE FROM sessions WHERE id = ?", (session_id,))

        return self._run(delete)

    def session(self, session_id: str) -> Deferred[SessionRecord | None]:
        def read(connection: SqlConnection) -> SessionRecord | None:
            rows = connection.query(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?",
                                    (session_id,))
            return session_from_row(rows[0]) if rows else None

        return self._run(read)

    def sessions(self, user_id: str | None = None) -> Deferred[list[SessionRecord]]:
        def read(connection: SqlConnection) -> list[SessionRecord]:
            if user_id is None:
                rows = connection.query(f"SELECT {_SESSION_COLUMNS} FROM sessions")
            else:
                rows = connection.query(
                    f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE user_id = ?", (user_id,))
            return [session_from_row(row) for row in rows]

        return self._run(read)

    def delete_idle_sessions(self, before: float) -> Deferred[int]:
        def delete(connection: SqlConnection) -> int:
            return connection.run("DELETE FROM sessions WHERE last_activity_at < ?", (before,))

        return self._run(delete)

    def authenticate(self, token: str) -> Deferred[User | None]:
        return self._run(lambda connection: accounts.authenticate(connection, token))

    def ensure_first_admin(self) -> Deferred[str | None]:
        return self._run(accounts.ensure_first_admin)
