"""What a Blackbeard dying mid-film costs the player: segment latencies around a SIGKILL.

    .venv/bin/python -m benchmarks.blackbeard_failover [--runs 3] [--seconds 60] [--kill-at 10]

Starts two ``twistd blackbeard`` and one ``twistd revenge`` pooling them (2 s segments, a
640x360 clip), opens a session and plays it as a player does: for each segment index in
order, the first variant's segment and the audio rendition's, timed together. After
``--kill-at`` segments the Blackbeard holding the transcode is killed with SIGKILL; the
rest come from the other one. Reports, per run, the median segment time before the kill,
the slowest after it (the one that waited for the failover) and the median after it.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import m3u8

from tests.media import make_clip
from tests.server import Server, admin_token, http, wait_for


def _playlists(server: Server, master_url: str) -> tuple[list[str], list[str]]:
    """The segment URLs of the master's first variant and of its audio rendition."""
    base = server.url(master_url.rsplit("/", 1)[0] + "/")
    master = m3u8.loads(http("GET", server.url(master_url)).body.decode(), uri=base)
    audio = next(m for m in master.media if m.type == "AUDIO")
    urls = []
    for uri in (master.playlists[0].absolute_uri, audio.absolute_uri):
        media = m3u8.loads(http("GET", uri).body.decode(), uri=uri.rsplit("/", 1)[0] + "/")
        urls.append([s.absolute_uri for s in media.segments])
    return urls[0], urls[1]


def _run(work: Path, clip: Path, kill_at: int) -> dict[str, Any]:
    media = work / "media"
    media.mkdir()
    (media / "film.mp4").symlink_to(clip)
    (work / "revenge.toml").write_text("[playback]\nsegment_duration = 2.0\n")
    pool = [Server(work / f"bb{n}", ["--work-dir", str(work / f"w{n}")],
                   plugin="blackbeard").start(ready_path="/api/v1/health") for n in range(2)]
    args = ["--media", str(media), "--data-dir", str(work / "data"),
            "--config", str(work / "revenge.toml")]
    for each in pool:
        args += ["--blackbeard-url", each.base]
    token = admin_token(work / "data")
    server = Server(work / "run", args, token=token).start()
    try:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        session = server.post("/api/v1/playback/sessions", {"media_id": media_id}).json()
        busy = next(b["name"] for b in server.get("/readyz").json()["blackbeards"]
                    if b["active"])
        victim = next(b for b in pool if b.base == busy)
        video, audio = _playlists(server, session["master_url"])
        times = []
        for index, urls in enumerate(zip(video, audio, strict=True)):
            if index == kill_at:
                victim.stop(signal.SIGKILL)
            started = time.monotonic()
            for url in urls:
                answer = http("GET", url, timeout=120)
                if answer.status != 200:
                    raise RuntimeError(f"segment {index}: {answer.status}")
            times.append(time.monotonic() - started)
        before, after = times[1:kill_at], times[kill_at:]
        return {"median_before_ms": round(statistics.median(before) * 1000, 1),
                "slowest_after_ms": round(max(after) * 1000, 1),
                "slowest_after_index": kill_at + after.index(max(after)),
                "median_after_ms": round(statistics.median(after) * 1000, 1)}
    finally:
        server.stop()
        for each in pool:
            each.stop(signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kill-at", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revenge-failover-") as scratch:
        clip = make_clip(Path(scratch) / "clip.mp4", seconds=options.seconds, width=640,
                         height=360)
        results = []
        for n in range(options.runs):
            work = Path(scratch) / f"run{n}"
            work.mkdir()
            results.append(_run(work, clip, options.kill_at))
            print(json.dumps(results[-1]))
    print(json.dumps({"runs": options.runs, "slowest_after_ms_median": statistics.median(
        r["slowest_after_ms"] for r in results)}))


if __name__ == "__main__":
    main()
