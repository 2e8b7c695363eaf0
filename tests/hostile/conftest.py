"""One real ``twistd revenge`` for the whole hostile-client suite: both listeners on known
loopback ports, short timeouts (2 s idle, 2 s write progress), and a media file far larger
than any socket buffer."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from revenge.ffmpeg import ffmpeg_binary
from tests.hostile.client import Listener, Target
from tests.server import Server, admin_token, free_port, wait_for

TIMEOUT = 2.0  # [server] connection_timeout and write_timeout here


@pytest.fixture(scope="session")
def big_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MP4 of about 85 MB: 20 s of 720p MPEG-4 Part 2 at high quality, looped by copy."""
    folder = tmp_path_factory.mktemp("hostile-media")
    piece, whole = folder / "piece.mp4", folder / "big.mp4"
    ffmpeg = ffmpeg_binary()
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=25:duration=20", "-c:v", "mpeg4", "-q:v", "1",
                    str(piece)], check=True, timeout=120)
    subprocess.run([ffmpeg, "-v", "error", "-y", "-stream_loop", "2", "-i", str(piece),
                    "-c", "copy", str(whole)], check=True, timeout=120)
    piece.unlink()
    return whole


@pytest.fixture(scope="package")
def target(tmp_path_factory: pytest.TempPathFactory, big_clip: Path) -> Iterator[Target]:
    """The server under attack, with what a client needs to reach both listeners."""
    root = tmp_path_factory.mktemp("hostile")
    media = root / "media"
    media.mkdir()
    os.link(big_clip, media / "big.mp4")
    data = root / "data"
    token = admin_token(data)
    config = root / "revenge.toml"
    config.write_text(f"[server]\nconnection_timeout = {TIMEOUT}\nwrite_timeout = {TIMEOUT}\n")
    internal_port = free_port()
    with Server(root / "run", ["--media", str(media), "--data-dir", str(data), "--config",
                               str(config), "--internal-listen",
                               f"tcp:{internal_port}:interface=127.0.0.1"],
                token=token) as server:
        listing = wait_for(lambda: server.get("/api/v1/media").json()["items"],
                           what="the scan")
        media_id = listing[0]["id"]
        internal_token = json.loads((data / "secrets.json").read_text())["internal_token"]
        assert server.process is not None
        yield Target(
            server=server, pid=server.process.pid, path=(media / "big.mp4").resolve(),
            size=(media / "big.mp4").stat().st_size,
            public=Listener("public", server.port, f"Authorization: Bearer {token}\r\n",
                            file=f"/api/v1/media/{media_id}/stream", normal="/healthz"),
            internal=Listener("internal", internal_port,
                              f"X-Revenge-Internal-Token: {internal_token}\r\n",
                              file=f"/internal/stream/{media_id}",
                              normal=f"/internal/probe/{media_id}"),
            blackbeard_port=_embedded_port(server, {server.port, internal_port}))
        assert "Traceback" not in server.log(), server.log()[-5000:]


def _embedded_port(server: Server, known: set[int]) -> int:
    """The embedded transcoder's port (it listens on any free one): from the start-up log."""
    ports = {int(p) for p in re.findall(r"RevengeSite starting on (\d+)", server.log())}
    (port,) = ports - known
    return port


@pytest.fixture(params=["public", "internal"])
def listener(request: pytest.FixtureRequest, target: Target) -> Listener:
    """Each listener in turn."""
    return target.public if request.param == "public" else target.internal
