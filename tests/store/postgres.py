"""A PostgreSQL server for the store's tests, and a fresh schema of it for each test.

``REVENGE_TEST_POSTGRES`` names a server to use (``.ci/run`` sets it to Debian's cluster); else
a throwaway cluster is made with the ``initdb`` and ``pg_ctl`` Debian installs, in a temporary
directory, listening on a Unix socket there only (run as ``postgres`` when we are root: it
refuses to run as root). Without either, the PostgreSQL tests skip, unless
``REVENGE_REQUIRE_POSTGRES`` is set (as in CI): then they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

URL_VARIABLE = "REVENGE_TEST_POSTGRES"
REQUIRE_VARIABLE = "REVENGE_REQUIRE_POSTGRES"


def _binaries() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` directory holding ``initdb``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def _throwaway_cluster(binaries: Path) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="revenge-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    data, log = directory / "data", directory / "log"
    run = {"check": True, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    try:
        subprocess.run(_as_owner([str(binaries / "initdb"), "-D", str(data), "-U", "revenge",
                                  "-A", "trust", "--no-sync", "-E", "UTF8"]), **run)  # type: ignore[call-overload]
        # No TCP at all: the socket in our own directory is the only way in.
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log),
                                  "-w", "-o", f"-k {directory} -c listen_addresses= -F",
                                  "start"]), **run)  # type: ignore[call-overload]
        yield f"postgresql://revenge@/postgres?host={quote(str(directory), safe='')}"
    finally:
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m",
                                  "immediate", "-w", "stop"]), check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a server the tests may create schemas in."""
    configured = os.environ.get(URL_VARIABLE)
    if configured:
        yield configured
        return
    binaries = _binaries()
    if binaries is None:
        message = f"no PostgreSQL: install it, or set {URL_VARIABLE}"
        if os.environ.get(REQUIRE_VARIABLE):
            pytest.fail(message)
        pytest.skip(message)
    with _throwaway_cluster(binaries) as url:
        yield url


def in_schema(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path (every table is made there)."""
    options = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={options}"


@contextmanager
def fresh_schema(server: str) -> Iterator[str]:
    """A URL of ``server`` whose tables live in a new, empty schema, dropped afterwards."""
    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}".encode())
    try:
        yield in_schema(server, schema)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE".encode())
