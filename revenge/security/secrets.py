"""Server secrets: made on first start into the data directory (mode 0600), or configured."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import attrs


@attrs.frozen(repr=False)
class Secrets:
    """The URL-signing key and the token Blackbeard shows on the internal listener."""

    signing_key: bytes
    internal_token: str

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


def load_or_create_secrets(data_dir: Path) -> Secrets:
    """Read ``secrets.json`` from ``data_dir``, creating it (0600) on first start.

    Runs once before the reactor starts, so plain blocking file I/O is fine here.
    """
    path = data_dir / "secrets.json"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        doc = {"signing_key": secrets.token_hex(32), "internal_token": secrets.token_urlsafe(32)}
        # O_EXCL: two servers starting at once must not both write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                json.dump(doc, f)
    doc = json.loads(path.read_text())
    return Secrets(bytes.fromhex(doc["signing_key"]), doc["internal_token"])
