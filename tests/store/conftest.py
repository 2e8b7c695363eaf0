"""Every store contract test runs on each back end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.backends import Backend, MemoryBackend, SQLiteBackend


@pytest.fixture(params=["sqlite", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh back end: a new SQLite file, or a new ``MemoryStore``."""
    if request.param == "sqlite":
        return SQLiteBackend(tmp_path / "db.sqlite3")
    return MemoryBackend()
