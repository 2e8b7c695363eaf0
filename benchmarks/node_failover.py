"""What a Revenge node dying mid-film costs the player: segment latencies around a SIGKILL.

    REVENGE_TEST_POSTGRES=postgresql://... .venv/bin/python -m benchmarks.node_failover \\
        [--runs 3] [--seconds 60] [--kill-at 10]

Starts PostgreSQL's schema of its own (``REVENGE_TEST_POSTGRES``, else a throwaway cluster),
two ``twistd blackbeard``, two ``twistd revenge`` sharing the store and both Blackbeards (2 s
segments, a 640x360 clip) and nginx with ``etc/nginx-cluster.conf`` in front. A session is
opened on the node nginx hashes it to, so the other has never held it, and played through
nginx as a player does: for each segment index in order, the first variant's segment and the
audio rendition's, timed together. After ``--kill-at`` segments that node is SIGKILLed; nginx
passes the rest to the other node, which takes the session on from the store. Reports, per
run, the median segment time before the kill, the next segment's (the one that paid for the
move), the slowest after it and the median after it.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import m3u8

from tests.balancer import nginx_before
from tests.media import make_clip
from tests.server import Server, free_port, http, wait_for
from tests.store.postgres import fresh_schema, postgres_server

NAMES = ("node-a", "node-b")


def _segment_urls(base: str, master_url: str) -> list[tuple[str, str]]:
    """(video, audio) segment URLs of each index: the first variant and the audio rendition."""
    master = m3u8.loads(http("GET", base + master_url).body.decode(),
                        uri=base + master_url.rsplit("/", 1)[0] + "/")
    audio = next(m for m in master.media if m.type == "AUDIO")
    lists = []
    for uri in (master.playlists[0].absolute_uri, audio.absolute_uri):
        media = m3u8.loads(http("GET", uri).body.decode(), uri=uri.rsplit("/", 1)[0] + "/")
        lists.append([s.absolute_uri for s in media.segments])
    return list(zip(lists[0], lists[1], strict=True))


def _cluster(stack: ExitStack, work: Path, clip: Path, store_url: str) -> tuple[
        dict[str, Server], str, str]:
    from revenge.admin import run as admin

    media = work / "media"
    media.mkdir()
    (media / "film.mp4").symlink_to(clip)
    (work / "revenge.toml").write_text("[playback]\nsegment_duration = 2.0\n")
    admin(["--store-url", store_url, "user", "add", "bench", "--admin"])
    token = admin(["--store-url", store_url, "token", "create", "bench"]).split()[0]
    pool = [Server(work / f"bb{n}", ["--work-dir", str(work / f"w{n}")],
                   plugin="blackbeard").start(ready_path="/api/v1/health") for n in range(2)]
    for each in pool:
        stack.callback(each.stop, signal.SIGKILL)
    nodes = {}
    for name in NAMES:
        args = ["--store-url", store_url, "--node-name", name, "--media", str(media),
                "--data-dir", str(work / name / "data"), "--config", str(work / "revenge.toml"),
                "--internal-listen", f"tcp:{free_port()}:interface=127.0.0.1"]
        for each in pool:
            args += ["--blackbeard-url", each.base]
        nodes[name] = Server(work / name, args, token=token).start()
        stack.callback(nodes[name].stop, signal.SIGKILL)
    for node in nodes.values():
        wait_for(lambda n=node: n.get("/api/v1/media").json()["total"] == 1,  # type: ignore[misc]
                 what="the scan")
    base = stack.enter_context(nginx_before(work, [nodes[n].port for n in NAMES]))
    return nodes, base, token


def _run(work: Path, clip: Path, kill_at: int) -> dict[str, Any]:
    with ExitStack() as stack:
        store_url = stack.enter_context(fresh_schema(stack.enter_context(postgres_server())))
        nodes, base, token = _cluster(stack, work, clip, store_url)
        auth = {"Authorization": f"Bearer {token}"}
        node = nodes[NAMES[0]]
        media_id = node.get("/api/v1/media").json()["items"][0]["id"]
        while True:  # a session nginx sends to the node that opened it
            session = node.post("/api/v1/playback/sessions", {"media_id": media_id}).json()
            path = f"{base}/api/v1/playback/sessions/{session['session_id']}"
            if http("GET", path, headers=auth).headers["X-Revenge-Node"] == NAMES[0]:
                break
            http("DELETE", path, headers=auth)
        times = []
        for index, urls in enumerate(_segment_urls(base, session["master_url"])):
            if index == kill_at:
                node.stop(signal.SIGKILL)
            started = time.monotonic()
            for url in urls:
                answer = http("GET", url, timeout=120)
                if answer.status != 200:
                    raise RuntimeError(f"segment {index}: {answer.status}")
            times.append(time.monotonic() - started)
        before, after = times[1:kill_at], times[kill_at:]
        return {"median_before_ms": round(statistics.median(before) * 1000, 1),
                "next_after_ms": round(after[0] * 1000, 1),
                "slowest_after_ms": round(max(after) * 1000, 1),
                "median_after_ms": round(statistics.median(after[1:]) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kill-at", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revenge-node-failover-") as scratch:
        clip = make_clip(Path(scratch) / "clip.mp4", seconds=options.seconds, width=640,
                         height=360)
        results = []
        for n in range(options.runs):
            work = Path(scratch) / f"run{n}"
            work.mkdir()
            results.append(_run(work, clip, options.kill_at))
            print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"runs": options.runs, "next_after_ms_median": statistics.median(
        r["next_after_ms"] for r in results), "median_before_ms_median": statistics.median(
        r["median_before_ms"] for r in results)}))


if __name__ == "__main__":
    main()
