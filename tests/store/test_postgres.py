"""What only the PostgreSQL store does: its schema version table, refusing a newer schema,
and keeping to its own schema of a shared database."""

from __future__ import annotations

import psycopg
import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.interfaces import IReactorThreads

from revenge.store.migrations import MIGRATIONS
from revenge.store.postgres import PostgresStore
from tests.store.backends import RECORD


@pytest_twisted.ensureDeferred
async def test_the_database_is_migrated_to_the_latest_schema(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, reactor=IReactorThreads(reactor))
    await store.open()
    await store.save_media([RECORD])
    await store.close()
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT version FROM revenge_schema").fetchall() == [
            (len(MIGRATIONS),)]
        types: dict[str, str] = dict(connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = 'media'").fetchall())
        (schema,) = connection.execute("SELECT current_schema()").fetchone() or ("",)
    assert types["mtime_ns"] == "bigint" and types["duration"] == "double precision"
    assert schema.startswith("test_")  # the test's own schema, not public


@pytest_twisted.ensureDeferred
async def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, reactor=IReactorThreads(reactor))
    await store.open()
    await store.close()
    with psycopg.connect(postgres_url) as connection:
        connection.execute("UPDATE revenge_schema SET version = version + 1")
    store = PostgresStore(postgres_url, reactor=IReactorThreads(reactor))
    with pytest.raises(RuntimeError, match="newer than this Revenge knows"):
        await store.open()
    assert not store.is_open()
    with pytest.raises(RuntimeError, match="closed"):
        await store.all_media()
    await store.close()
