"""Start a real ``twistd revenge`` on the whole real-media library for the library browser test.

Run as ``python -m tests.browser.launch_library WORKDIR`` from the repository root. The
library is made by ``tests.realmedia.make_library`` in ``WORKDIR/library``, or taken (and
completed) from ``$REVENGE_REAL_LIBRARY`` when that is set. Once the scan lists every file
it prints one JSON line: ``base``, ``token``, ``log`` and ``media``, a list of ``id``,
``file``, ``title``, ``kind`` (``video``/``audio``), ``duration``, ``tags``, ``cover_url``
and the catalogue's display ``width``/``height`` and ``truncated``. Then it keeps the server
running until its standard input closes, and stops it cleanly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tests.browser.launch import announce
from tests.realmedia import BY_NAME, make_library
from tests.server import Server, admin_token, wait_for

# Every file is played one after another; sessions are deleted, but a slow delete must
# not turn the next file's session into a 429.
CONFIG = "[playback]\nmax_sessions_per_user = 100\n"


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    """What the browser test needs of one listed item, with the catalogue's facts."""
    media = BY_NAME[item["file"]]
    return {"id": item["id"], "file": item["file"], "title": item["title"],
            "kind": item["kind"], "duration": item["duration"], "tags": item.get("tags"),
            "cover_url": item.get("cover_url"), "width": media.width,
            "height": media.height, "truncated": media.truncated}


def main(workdir: Path) -> int:
    """Serve the real library until stdin reaches end of file."""
    kept = os.environ.get("REVENGE_REAL_LIBRARY")
    made = make_library(Path(kept) if kept else workdir / "library")
    media = workdir / "media"
    media.mkdir(parents=True, exist_ok=True)
    # Only the catalogue's files: a kept library folder may hold other things.
    for name, path in made.items():
        os.symlink(path.resolve(), media / name)
    data = workdir / "data"
    token = admin_token(data, "viewer")
    config = workdir / "revenge.toml"
    config.write_text(CONFIG)
    server = Server(workdir / "run", ["--media", str(media), "--data-dir", str(data),
                                      "--config", str(config)], token=token)
    with server:
        def listed() -> list[dict[str, Any]] | None:
            page = server.get("/api/v1/media?limit=500").json()
            items: list[dict[str, Any]] = page["items"]
            return items if page["total"] == len(made) else None

        items = wait_for(listed, what="the scan to list every file", timeout=180)
        announce(server, token, media=[_describe(item) for item in items])
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
