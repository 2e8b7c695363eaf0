"""The store's hot calls on SQLite and on PostgreSQL: token checks (every API request),
progress writes (every heartbeat), the index written in scan batches and read whole.

    .venv/bin/python -m benchmarks.store_ops --postgres postgresql://user:pw@127.0.0.1/db

(without ``--postgres``, SQLite only). PostgreSQL's tables go to a throwaway schema of the
database. Calls are made 16 at a time, as concurrent requests make them.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import psycopg
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.task import react

from revenge.store import accounts, postgres
from revenge.store.interface import IStore
from revenge.store.postgres import PostgresStore
from revenge.store.sqlite import SQLiteStore, connect
from tests.store.backends import RECORD
from tests.store.postgres import in_schema

CALLS = 2000
AT_ONCE = 16


async def _rate(name: str, call: Callable[[int], Deferred[Any]], count: int = CALLS) -> None:
    started = time.perf_counter()
    for first in range(0, count, AT_ONCE):
        await DeferredList([call(n) for n in range(first, min(first + AT_ONCE, count))],
                           fireOnOneErrback=True)
    seconds = time.perf_counter() - started
    print(f"  {name:<28} {count / seconds:8.0f}/s  ({seconds * 1000 / count:.2f} ms each)")


async def _measure(label: str, store: IStore, token: str) -> None:
    print(label)
    await store.open()
    try:
        await _rate("authenticate", lambda n: store.authenticate(token))
        await _rate("save_progress", lambda n: store.save_progress("u", f"m{n % 50}", n, n))
        records = [attrs.evolve(RECORD, id=f"r{n}", path=f"/media/{n}.mp4")
                   for n in range(CALLS)]
        await _rate("save_media (64 a batch)",
                    lambda n: store.save_media(records[n * 64:(n + 1) * 64]),
                    count=CALLS // 64)
        await _rate("all_media (2,000 records)", lambda n: store.all_media(), count=20)
    finally:
        await store.close()


async def _main(reactor: Any, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite3"
        connection, _ = connect(path)
        accounts.add_user(connection, "bench")
        token = accounts.create_token(connection, "bench")
        connection.raw.close()
        await _measure("SQLite", SQLiteStore(path, reactor=reactor), token)
    if url is None:
        return
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}".encode())
    try:
        scoped = in_schema(url, schema)
        pg = postgres.connect(scoped)
        accounts.add_user(pg, "bench")
        token = accounts.create_token(pg, "bench")
        pg.raw.close()
        await _measure("PostgreSQL", PostgresStore(scoped, reactor=reactor), token)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE".encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema is made and dropped)")
    args = parser.parse_args()
    react(lambda reactor: Deferred.fromCoroutine(_main(reactor, args.postgres)))


if __name__ == "__main__":
    main()
