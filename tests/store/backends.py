"""The ``IStore`` back ends the contract tests run against, with what ``revenge-admin`` does
to each, and a media record whose probe has a bit of everything."""

from __future__ import annotations

from contextlib import AbstractContextManager, closing
from pathlib import Path

from twisted.internet import reactor
from twisted.internet.interfaces import IReactorThreads

from revenge.store import accounts, postgres, sqlite
from revenge.store.accounts import User
from revenge.store.interface import IStore
from revenge.store.postgres import PostgresStore
from revenge.store.records import MediaRecord, ProbeResult, Sidecar, StreamInfo
from revenge.store.sql import SqlConnection
from revenge.store.sqlite import SQLiteStore
from revenge.testing import MemoryStore

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
    sidecars=(Sidecar("/media/films/a.en.srt", 120, 7),
              Sidecar("/media/films/a.fr.forced.ass", 300, 8)),
)


class Backend:
    """Makes stores over the same data, and manages their users as an admin would."""

    name = "backend"

    def store(self) -> IStore:
        """A store over this back end's data (the same data every time)."""
        raise NotImplementedError

    def add_user(self, name: str, *, admin: bool = False) -> User:
        """Create a user (raises ``AccountError``)."""
        raise NotImplementedError

    def create_token(self, name: str) -> str:
        """A new token for user ``name``."""
        raise NotImplementedError

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token."""
        raise NotImplementedError


class SqlBackend(Backend):
    """A SQL database; accounts through a connection of its own (as ``revenge-admin``
    beside a running server)."""

    def _connect(self) -> AbstractContextManager[SqlConnection]:
        raise NotImplementedError

    def add_user(self, name: str, *, admin: bool = False) -> User:
        with self._connect() as connection:
            return accounts.add_user(connection, name, admin=admin)

    def create_token(self, name: str) -> str:
        with self._connect() as connection:
            return accounts.create_token(connection, name)

    def revoke_token(self, token_id: str) -> None:
        with self._connect() as connection:
            accounts.revoke_token(connection, token_id)


class SQLiteBackend(SqlBackend):
    """One database file; a new ``SQLiteStore`` each time."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    def store(self) -> IStore:
        return SQLiteStore(self.path, reactor=IReactorThreads(reactor))

    def _connect(self) -> AbstractContextManager[SqlConnection]:
        return closing(sqlite.connect(self.path)[0])


class PostgresBackend(SqlBackend):
    """One PostgreSQL schema; a new ``PostgresStore`` each time."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url

    def store(self) -> IStore:
        return PostgresStore(self.url, reactor=IReactorThreads(reactor))

    def _connect(self) -> AbstractContextManager[SqlConnection]:
        return closing(postgres.connect(self.url))


class MemoryBackend(Backend):
    """One ``MemoryStore``, handed out again and again (closing it keeps its data)."""

    name = "memory"

    def __init__(self) -> None:
        self.memory = MemoryStore()

    def store(self) -> IStore:
        return self.memory

    def add_user(self, name: str, *, admin: bool = False) -> User:
        return self.memory.add_user(name, admin=admin)

    def create_token(self, name: str) -> str:
        return self.memory.create_token(name)

    def revoke_token(self, token_id: str) -> None:
        self.memory.revoke_token(token_id)
