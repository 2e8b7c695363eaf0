"""What a Blackbeard dying mid-film costs the player: segment latencies around a SIGKILL.

    .venv/bin/python -m benchmarks.blackbeard_failover [--runs 3] [--seconds 60] [--kill-at 10]

Starts two ``twistd blackbeard`` and one ``twistd revenge`` pooling them (2 s segments, a
640x360 clip), opens a session and plays it as a player does: for each segment index in
order, the first variant's segment and the audio rendition's, timed together. After
``--kill-at`` segments the Blackbeard holding the transcode is killed with SIGKILL; the
rest come from the other one. Reports, per run, the median segment time before the kill,
the next one (the one that waited for the failover), the slowest and the median after it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from benchmarks.failover import main, play_through, segment_urls
from tests.server import Server, admin_token, wait_for


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
        return play_through(segment_urls(server.base, session["master_url"]), kill_at,
                            lambda: victim.stop(signal.SIGKILL))
    finally:
        server.stop()
        for each in pool:
            each.stop(signal.SIGKILL)


if __name__ == "__main__":
    main(__doc__.splitlines()[0], _run)
