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

import signal
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.failover import main, play_through, segment_urls
from tests.balancer import nginx_before
from tests.server import Server, free_port, http, wait_for
from tests.store.postgres import fresh_schema, postgres_server

NAMES = ("node-a", "node-b")


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
        return play_through(segment_urls(base, session["master_url"]), kill_at,
                            lambda: node.stop(signal.SIGKILL))


if __name__ == "__main__":
    main(__doc__.splitlines()[0], _run)
