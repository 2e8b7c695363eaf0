"""One face for both SQL back ends, so the store's queries and migrations are written once.

Queries use SQLite's ``?`` placeholders; the PostgreSQL connection turns them into psycopg's
``%s``. So no query may hold a literal ``?`` or ``%``. What differs between the two is kept
here and in the two connection classes: column types, schema versioning, locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs


class StoreUnavailable(Exception):
    """The database cannot be reached (one clear line, for the operator)."""


class DuplicateRow(Exception):
    """A write broke a uniqueness rule (a primary key or a ``UNIQUE`` column)."""


@attrs.frozen
class Dialect:
    """What a migration's ``{name}`` fields become in one back end."""

    name: str
    fields: dict[str, str]


SQLITE = Dialect("sqlite", {"int64": "INTEGER", "float": "REAL",
                            "title_nocase": "title COLLATE NOCASE"})
# PostgreSQL's REAL is 4 bytes and its INTEGER 4 bytes: times and nanoseconds need 8.
POSTGRES = Dialect("postgresql", {"int64": "BIGINT", "float": "DOUBLE PRECISION",
                                  "title_nocase": "lower(title)"})


class SqlConnection(Protocol):
    """A blocking connection (used from a worker thread only)."""

    dialect: Dialect

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows a statement returns."""

    def close(self) -> None:
        """Close the connection (``contextlib.closing`` works with it)."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed. ``DuplicateRow`` on a conflict."""

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per row."""

    def transaction(self) -> AbstractContextManager[None]:
        """All or nothing: committed at the end of the block, rolled back on an error.
        Blocks nest (the inner one is part of the outer)."""

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """A transaction no other node runs under the same ``name`` at the same time."""

    def migrating(self) -> AbstractContextManager[int]:
        """A block that migrates, entered with how many migrations the database has had;
        no other node migrates the same database at the same time."""

    def apply_migration(self, script: str, version: int) -> None:
        """Run one migration's statements and record ``version``, atomically."""
