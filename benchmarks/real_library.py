"""Every file of the test library through a real ``twistd revenge``: how it plays and how
soon its first segment is there.

    .venv/bin/python -m benchmarks.real_library [--library DIR] [--runs 3]

Makes ``tests.realmedia``'s library (or uses ``--library``), starts the server on it, and for
each file, on a fresh transcode each run: the time from ``POST /api/v1/playback/sessions``
to the master playlist answered (Revenge has the first segments of the start variant and
the default audio ready before it answers) and to the first video (else audio) segment in
hand. Prints a table: file kind, what the top variant is (remux, transcode, tone-mapped,
deinterlaced, turned upright, audio only), and the medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import m3u8

from tests.realmedia import CATALOGUE, Media, make_library
from tests.server import Server, admin_token, http, wait_for


def _how(media: Media, session: dict[str, object]) -> str:
    if media.video_codec is None:
        return "audio only (AAC)"
    video = session["video"][0]  # type: ignore[index]
    if video["codec"] == "copy":
        return "remux (copy)"
    parts = ["transcode to H.264"]
    if media.transfer != "sdr":
        parts.append(f"tone-mapped from {media.transfer.upper()}")
    if media.interlaced:
        parts.append("deinterlaced")
    if media.rotation:
        parts.append("turned upright")
    return ", ".join(parts)


def _first_segment(server: Server, master_url: str) -> float:
    base = server.url(master_url.rsplit("/", 1)[0] + "/")
    master = m3u8.loads(http("GET", server.url(master_url)).body.decode(), uri=base)
    variant = master.playlists[0].absolute_uri
    playlist = m3u8.loads(http("GET", variant).body.decode(),
                          uri=variant.rsplit("/", 1)[0] + "/")
    started = time.monotonic()
    assert http("GET", playlist.segments[0].absolute_uri).status == 200
    return time.monotonic() - started


def measure(server: Server, media: Media, runs: int) -> tuple[str, float, float]:
    """(how it plays, median seconds to the master, median seconds to the first segment)."""
    item = next(i for i in server.get("/api/v1/media?limit=500").json()["items"]
                if i["file"] == media.name)
    to_master, to_segment, how = [], [], ""
    for _ in range(runs):
        started = time.monotonic()
        session = server.post("/api/v1/playback/sessions", {"media_id": item["id"]}).json()
        master = http("GET", server.url(session["master_url"]))
        assert master.status == 200, master.body
        to_master.append(time.monotonic() - started)
        to_segment.append(to_master[-1] + _first_segment(server, session["master_url"]))
        how = _how(media, session)
        # A new transcode every run: the last one is deleted with its only session.
        server.delete(f"/api/v1/playback/sessions/{session['session_id']}")
    return how, statistics.median(to_master), statistics.median(to_segment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        library = make_library(options.library or work / "library")
        media = work / "media"
        media.mkdir()
        for name, path in library.items():
            (media / name).symlink_to(path)
        data = work / "data"
        config = work / "revenge.toml"
        # No segment survives its transcode in the cache: every run starts from nothing.
        config.write_text("[playback]\nmax_sessions_per_user = 100\n"
                          "[cache]\nmax_bytes = 1\n")
        with Server(work / "run", ["--media", str(media), "--data-dir", str(data),
                                   "--config", str(config)],
                    token=admin_token(data)) as server:
            wait_for(lambda: server.get("/api/v1/media?limit=500").json()["total"]
                     == len(library), what="the scan", timeout=120)
            print("| file | kind | plays as | master (s) | first segment (s) |")
            print("|---|---|---|---|---|")
            for entry in CATALOGUE:
                how, master, segment = measure(server, entry, options.runs)
                print(f"| {entry.name} | {entry.kind} | {how} | {master:.2f} | {segment:.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
