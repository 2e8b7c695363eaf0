"""``IStore`` on PostgreSQL, shared by every node of a cluster: psycopg 3 connections from a
``psycopg_pool`` pool, used from a thread pool of the same size so the reactor never waits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from revenge.store.interface import IStore
from revenge.store.locks import Lease
from revenge.store.migrations import migrate
from revenge.store.sql import POSTGRES, DuplicateRow, SqlConnection, StoreUnavailable
from revenge.store.sqlstore import SqlStore

T = TypeVar("T")
_log = Logger()
POOL_SIZE = 4  # connections, and the threads using them
# Advisory locks take a 64-bit key: one from the lock's name, within the store's schema
# (two installations in two schemas of one database do not lock each other out).
_KEY = "hashtextextended(current_schema() || ':' || %s, 0)"


class PostgresConnection:
    """``SqlConnection`` over a psycopg connection in autocommit mode (statements outside a
    ``transaction`` block commit on their own)."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def close(self) -> None:
        self.raw.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.raw.execute(sql.replace("?", "%s"), params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.raw.execute(sql.replace("?", "%s"), params).rowcount
        except psycopg.errors.UniqueViolation as error:
            raise DuplicateRow(str(error)) from None

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    def transaction(self) -> AbstractContextManager[None]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.raw.transaction():
            yield

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        with self.raw.transaction():
            self.raw.execute(f"SELECT pg_advisory_xact_lock({_KEY})", (name,))
            yield

    @contextmanager
    def migrating(self) -> Iterator[int]:
        # One transaction under a lock: DDL is transactional here, and a node starting
        # beside another waits for its migrations, then finds nothing left to do.
        with self.exclusive("migrate"):
            self.raw.execute("CREATE TABLE IF NOT EXISTS revenge_schema (version INTEGER)")
            rows = self.raw.execute("SELECT version FROM revenge_schema").fetchall()
            if not rows:
                self.raw.execute("INSERT INTO revenge_schema (version) VALUES (0)")
            yield int(rows[0][0]) if rows else 0

    def apply_migration(self, script: str, version: int) -> None:
        with self.raw.transaction():
            self.raw.execute(script.encode())  # several statements: no parameters
            self.raw.execute("UPDATE revenge_schema SET version = %s", (version,))

    def try_lock(self, name: str) -> bool:
        """Take the session-level advisory lock ``name`` if free (held until released or
        the connection ends)."""
        row = self.raw.execute(f"SELECT pg_try_advisory_lock({_KEY})", (name,)).fetchone()
        return bool(row and row[0])

    def unlock(self, name: str) -> None:
        """Let go of the advisory lock ``name``."""
        self.raw.execute(f"SELECT pg_advisory_unlock({_KEY})", (name,))


def connect(url: str) -> PostgresConnection:
    """One migrated connection of its own (blocking: before the reactor runs, or in tools).
    The caller closes ``.raw``."""
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=30)
    except psycopg.OperationalError as error:
        raise StoreUnavailable(f"PostgreSQL database {_database(url)}: {error}") from None
    connection = PostgresConnection(raw)
    try:
        migrate(connection)
    except BaseException:
        connection.raw.close()
        raise
    return connection


@implementer(IStore)
class PostgresStore(SqlStore):
    """PostgreSQL at ``url`` (a libpq URL: ``postgresql://user:password@host/db``)."""

    shared = True

    def __init__(self, url: str, *, reactor: IReactorThreads) -> None:
        self._url = url
        self._reactor = reactor
        self._threads = ThreadPool(minthreads=0, maxthreads=POOL_SIZE, name="revenge-store")
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._opening = False
        self._waiting: list[Deferred[None]] = []

    def _in_thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThreadPool(self._reactor, self._threads, work)

    def _when_open(self, work: Callable[[], T]) -> Deferred[T]:
        """Run ``work`` in a thread once the store is open (work asked for while it opens
        waits for it, as SQLite's queues behind its open on its one thread)."""
        if self._pool is not None:
            return self._in_thread(work)
        if not self._opening:  # closed (its threads gone: they would never answer)
            return fail(RuntimeError("the store is closed"))
        opened: Deferred[None] = Deferred()
        self._waiting.append(opened)
        return opened.addCallback(lambda _: self._when_open(work))

    def _run(self, work: Callable[[SqlConnection], T]) -> Deferred[T]:
        def in_thread() -> T:
            pool = self._pool
            if pool is None:
                raise RuntimeError("the store is closed")
            with pool.connection() as raw:
                return work(PostgresConnection(raw))

        return self._when_open(in_thread)

    def open(self) -> Deferred[None]:
        self._threads.start()
        self._opening = True

        def open_in_thread() -> ConnectionPool[psycopg.Connection[Any]]:
            pool = ConnectionPool(self._url, min_size=1, max_size=POOL_SIZE, open=False,
                                  kwargs={"autocommit": True}, name="revenge-store",
                                  check=ConnectionPool.check_connection)
            pool.open(wait=True, timeout=30.0)
            try:
                with pool.connection() as raw:
                    version = migrate(PostgresConnection(raw))
            except BaseException:
                pool.close()
                raise
            _log.info("store open on PostgreSQL database {db}, schema version {version}",
                      db=_database(self._url), version=version)
            return pool

        async def opening() -> None:
            try:
                self._pool = await self._in_thread(open_in_thread)
            finally:
                self._opening = False
                waiting, self._waiting = self._waiting, []
                for waiter in waiting:
                    waiter.callback(None)  # open: the work runs; failed: it fails, closed

        return Deferred.fromCoroutine(opening())

    def close(self) -> Deferred[None]:
        def disconnect() -> None:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.close()

        async def close_then_stop() -> None:
            try:
                await self._in_thread(disconnect)
            finally:
                self._threads.stop()

        return Deferred.fromCoroutine(close_then_stop())

    def is_open(self) -> bool:
        return self._pool is not None

    def try_lock(self, name: str) -> Deferred[Lease | None]:
        # The lock lives as long as its connection's session: the lease keeps one out of the
        # pool until it is released.
        def take() -> Lease | None:
            pool = self._pool
            if pool is None:
                raise RuntimeError("the store is closed")
            raw = pool.getconn()
            try:
                taken = PostgresConnection(raw).try_lock(name)
            except BaseException:
                pool.putconn(raw)
                raise
            if not taken:
                pool.putconn(raw)
                return None
            return Lease(lambda: self._release(pool, raw, name))

        return self._when_open(take)

    def _release(self, pool: ConnectionPool[psycopg.Connection[Any]],
                 raw: psycopg.Connection[Any], name: str) -> Deferred[None]:
        if self._pool is None:  # closed: no thread left; ending the session ends the lock
            raw.close()
            return succeed(None)
        return self._in_thread(lambda: _give_back(pool, raw, name))


def _give_back(pool: ConnectionPool[psycopg.Connection[Any]], raw: psycopg.Connection[Any],
               name: str) -> None:
    try:
        if not raw.closed:
            PostgresConnection(raw).unlock(name)
    finally:
        pool.putconn(raw)


def _database(url: str) -> str:
    """The database a URL names (never its password, for the log)."""
    return str(psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "(default)")
