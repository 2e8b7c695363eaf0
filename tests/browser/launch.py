"""Start a real ``twistd revenge`` on a generated clip for the browser test.

Run as ``python -m tests.browser.launch WORKDIR`` from the repository root. It prints one JSON
line (``base``, ``token``, ``media_id``, ``title``, ``duration``) once the library lists the
clip, then keeps the server running until its standard input closes, and stops it cleanly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.media import make_clip
from tests.server import Server, admin_token, wait_for

CLIP_SECONDS = 40


def main(workdir: Path) -> int:
    """Serve a one-clip library from ``workdir`` until stdin reaches end of file."""
    media = workdir / "media"
    make_clip(media / "Test Pattern.mp4", seconds=CLIP_SECONDS)
    data = workdir / "data"
    token = admin_token(data, "viewer")
    server = Server(workdir / "run", ["--media", str(media), "--data-dir", str(data)],
                    token=token)
    with server:
        items = wait_for(lambda: server.get("/api/v1/media").json()["items"], what="the scan")
        item = items[0]
        announce(server, token, media_id=item["id"], title=item["title"],
                 duration=item["duration"])
    return 0


def announce(server: Server, token: str, **described: Any) -> None:
    """Print the server's description as one JSON line (``base``, ``token``, ``log`` and
    ``described``) for the browser test, then wait until our standard input closes."""
    print(json.dumps({"base": server.base, "token": token, "log": str(server.log_path),
                      **described}), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
