"""Start a real ``twistd revenge`` on a small organised library for the library browser test:
two films (one with a dark opening), a series of two seasons (episodes named out of order),
a song with cover art, and a 2 minute video to scrub through.

Run as ``python -m tests.browser.launch_shelves WORKDIR`` from the repository root. Once the
scan lists every file and the posters and thumbnails are made (``/api/v1/library/jobs``), it
prints one JSON line: ``base``, ``token``, ``log`` and ``media`` (``id``, ``title``,
``kind``, ``file``, ``library``), then serves until its standard input closes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from revenge.ffmpeg import ffmpeg_binary
from tests.artwork.support import dark_opening_clip
from tests.browser.launch import announce
from tests.media import make_clip
from tests.server import Server, admin_token, wait_for

EPISODES = [(2, 1), (1, 2), (1, 1), (2, 2)]  # made in this order, listed in watching order
VIDEOS = len(EPISODES) + 3


def _song(path: Path) -> None:
    """A tagged MP3 with a PNG cover."""
    subprocess.run([
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "sine=frequency=330:duration=5",
        "-f", "lavfi", "-i", "color=c=orange:size=200x200:duration=1",
        "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:a", "libmp3lame", "-c:v", "png",
        "-disposition:v", "attached_pic", "-metadata", "title=Orange Song",
        "-metadata", "artist=The Testers", "-metadata", "album=Colours",
        "-metadata", "track=1", str(path)], check=True, timeout=60)


def make_shelves(media: Path) -> None:
    """The library's files."""
    dark_opening_clip(media / "Films" / "Night Train (1999).mp4", seconds=8.0, width=640,
                      height=360)
    make_clip(media / "Films" / "Blue.Planet.2004.720p.mkv", seconds=6.0)
    for season, episode in EPISODES:
        make_clip(media / "Shows" / "Space Cats" / f"Season {season}"
                  / f"Space.Cats.S0{season}E0{episode}.mp4", seconds=4.0)
    make_clip(media / "Home" / "Long Walk.mp4", seconds=120.0, width=640, height=360)
    (media / "Music").mkdir(parents=True, exist_ok=True)
    _song(media / "Music" / "01 Orange Song.mp3")


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("id", "title", "kind", "file", "library", "duration")}


def main(workdir: Path) -> int:
    """Serve the library until stdin reaches end of file."""
    media = workdir / "media"
    make_shelves(media)
    data = workdir / "data"
    token = admin_token(data, "viewer")
    server = Server(workdir / "run", ["--media", str(media), "--data-dir", str(data)],
                    token=token)
    with server:
        def made() -> list[dict[str, Any]] | None:
            page = server.get("/api/v1/media?limit=100").json()
            jobs = server.get("/api/v1/library/jobs").json()["jobs"]
            artwork = [j for j in jobs if j["kind"] != "scan"]
            done = all(j["total"] == VIDEOS and not j["running"] for j in artwork)
            return page["items"] if page["total"] == VIDEOS + 1 and done else None

        items = wait_for(made, what="the scan, posters and thumbnails", timeout=180)
        announce(server, token, media=[_describe(i) for i in items])
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
