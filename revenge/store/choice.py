"""Which store a configuration names: SQLite in the data directory unless ``[store] url``
names a PostgreSQL database (shared by the nodes of a cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

from revenge.config import Config
from revenge.store.interface import IStore
from revenge.store.sql import SqlConnection

SQLITE_FILE = "revenge.sqlite3"


def build_store(config: Config, *, reactor: Any) -> IStore:
    """The store ``config`` names, not yet open."""
    if config.store.url:
        from revenge.store.postgres import PostgresStore

        return PostgresStore(config.store.url, reactor=reactor)
    from revenge.store.sqlite import SQLiteStore

    return SQLiteStore(config.data_path / SQLITE_FILE, reactor=reactor)


@contextmanager
def blocking_connection(config: Config) -> Iterator[SqlConnection]:
    """A migrated connection to the store ``config`` names, closed after the block; for
    work done before the reactor runs (the cluster's secrets) and for ``revenge-admin``."""
    connection: SqlConnection
    if config.store.url:
        from revenge.store import postgres

        connection = postgres.connect(config.store.url)
    else:
        from revenge.store import sqlite

        connection, _ = sqlite.connect(config.data_path / SQLITE_FILE)
    with closing(connection):
        yield connection
