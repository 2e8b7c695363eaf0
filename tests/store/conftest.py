"""The back ends the store's contract runs on, and a PostgreSQL server for those that need one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.backends import Backend, MemoryBackend, PostgresBackend, SQLiteBackend
from tests.store.postgres import fresh_schema, postgres_server


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server for the session (see ``tests.store.postgres``)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A URL of the server whose tables live in a schema of this test's own."""
    with fresh_schema(postgres_server_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh back end: a new SQLite file, a new PostgreSQL schema, or a new
    ``MemoryStore``."""
    if request.param == "sqlite":
        return SQLiteBackend(tmp_path / "db.sqlite3")
    if request.param == "postgresql":
        return PostgresBackend(request.getfixturevalue("postgres_url"))
    return MemoryBackend()
