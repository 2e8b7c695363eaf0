"""``IStore`` on one SQLite file, used from one dedicated thread so the reactor never waits."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from revenge.store.interface import IStore
from revenge.store.locks import Lease, LocalLocks
from revenge.store.migrations import migrate
from revenge.store.sql import SQLITE, DuplicateRow, SqlConnection
from revenge.store.sqlstore import SqlStore

T = TypeVar("T")
_log = Logger()


class SQLiteConnection:
    """``SqlConnection`` over ``sqlite3``."""

    dialect = SQLITE

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self._depth = 0

    def close(self) -> None:
        self.raw.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.raw.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.raw.execute(sql, params).rowcount
        except sqlite3.IntegrityError as error:
            raise DuplicateRow(str(error)) from None

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # IMMEDIATE: the file's write lock from the start, so a transaction that reads
        # before it writes (the first admin) cannot interleave with revenge-admin's.
        self._depth += 1
        try:
            if self._depth > 1:
                yield
                return
            self.raw.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.raw.execute("ROLLBACK")
                raise
            self.raw.execute("COMMIT")
        finally:
            self._depth -= 1

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        return self.transaction()

    @contextmanager
    def migrating(self) -> Iterator[int]:
        # Each migration's script is one transaction of its own (``apply_migration``).
        (version,) = self.raw.execute("PRAGMA user_version").fetchone()
        yield int(version)

    def apply_migration(self, script: str, version: int) -> None:
        self.raw.executescript(f"BEGIN; {script} PRAGMA user_version = {version}; COMMIT;")


def connect(path: Path) -> tuple[SQLiteConnection, int]:
    """Open (creating) the database file in WAL mode and migrate it (blocking); the
    connection and its schema version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit: a statement outside ``transaction`` commits on its own, as in PostgreSQL.
    raw = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("PRAGMA foreign_keys = ON")
    connection = SQLiteConnection(raw)
    try:
        version = migrate(connection)
    except BaseException:
        raw.close()
        raise
    return connection, version


@implementer(IStore)
class SQLiteStore(SqlStore):
    """SQLite in WAL mode; a single worker thread owns the connection and serialises writes."""

    shared = False

    def __init__(self, path: Path, *, reactor: IReactorThreads) -> None:
        self.path = path
        self._reactor = reactor
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="revenge-store")
        self._connection: SQLiteConnection | None = None
        self._closed = False
        self._locks = LocalLocks()

    def _run(self, work: Callable[[SqlConnection], T]) -> Deferred[T]:
        # Work asked for before the open completes waits behind it on the store's thread;
        # after ``close`` that thread is gone and would never answer.
        if self._closed:
            return fail(RuntimeError("the store is closed"))

        def in_thread() -> T:
            if self._connection is None:
                raise RuntimeError("the store is closed")
            return work(self._connection)

        return deferToThreadPool(self._reactor, self._pool, in_thread)

    def open(self) -> Deferred[None]:
        self._closed = False
        self._pool.start()

        def open_in_thread() -> None:
            self._connection, version = connect(self.path)
            _log.info("store open at {path}, schema version {version}", path=str(self.path),
                      version=version)

        return deferToThreadPool(self._reactor, self._pool, open_in_thread)

    def close(self) -> Deferred[None]:
        def disconnect() -> None:
            if self._connection is not None:
                self._connection.raw.close()
                self._connection = None

        self._closed = True

        async def close_then_stop() -> None:
            try:
                await deferToThreadPool(self._reactor, self._pool, disconnect)
            finally:
                self._pool.stop()

        return Deferred.fromCoroutine(close_then_stop())

    def is_open(self) -> bool:
        return self._connection is not None

    def try_lock(self, name: str) -> Deferred[Lease | None]:
        if self._connection is None:
            return fail(RuntimeError("the store is closed"))
        return self._locks.try_lock(name)
