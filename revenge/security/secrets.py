"""Server secrets: made on first start, into the data directory (mode 0600) for a node of
its own, or into the store every node of a cluster shares."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import attrs

from revenge.store.sql import SqlConnection


@attrs.frozen(repr=False)
class Secrets:
    """The URL-signing key and the token Blackbeard shows on the internal listener."""

    signing_key: bytes
    internal_token: str

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


def _new_doc() -> dict[str, str]:
    return {"signing_key": secrets.token_hex(32), "internal_token": secrets.token_urlsafe(32)}


def _from_doc(doc: dict[str, Any]) -> Secrets:
    return Secrets(bytes.fromhex(doc["signing_key"]), doc["internal_token"])


def load_or_create_secrets(data_dir: Path) -> Secrets:
    """Read ``secrets.json`` from ``data_dir``, creating it (0600) on first start.

    Runs once before the reactor starts, so plain blocking file I/O is fine here.
    """
    path = data_dir / "secrets.json"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # O_EXCL: two servers starting at once must not both write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                json.dump(_new_doc(), f)
    return _from_doc(json.loads(path.read_text()))


def shared_secrets(connection: SqlConnection) -> Secrets:
    """The cluster's secrets from the store: the first node to ask makes them, every other
    reads the same, so a URL one node signs is valid on all (blocking: before the reactor).
    """
    with connection.exclusive("secrets"):
        # DO NOTHING: a node that lost the race keeps the winner's key, never its own.
        connection.run("INSERT INTO cluster_settings (name, value) VALUES ('secrets', ?)"
                       " ON CONFLICT (name) DO NOTHING", (json.dumps(_new_doc()),))
        ((doc,),) = connection.query("SELECT value FROM cluster_settings WHERE name = 'secrets'")
    return _from_doc(json.loads(doc))
