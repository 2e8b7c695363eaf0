"""The shipped ``etc/nginx-cluster.conf`` in a real nginx before two real ``twistd revenge``
nodes: a session's requests all reach one node (told apart by ``X-Revenge-Node``), sessions
spread over both, and when a node is killed its sessions' requests reach the other."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import REPOSITORY, Server, free_port, http, wait_for

pytestmark = pytest.mark.slow
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
CONF = Path(REPOSITORY) / "etc" / "nginx-cluster.conf"


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        for name in ("node-a", "node-b"):
            started[name] = Server(tmp_path / name, ["--data-dir", str(tmp_path / name / "d"),
                                                     "--node-name", name]).start()
        yield started
    finally:
        for each in started.values():
            each.stop(signal.SIGKILL)


@pytest.fixture
def balancer(tmp_path: Path, nodes: dict[str, Server]) -> Iterator[str]:
    if NGINX is None:
        if os.environ.get("REVENGE_REQUIRE_NGINX"):  # CI installs it: missing is a failure
            pytest.fail("nginx is not installed")
        pytest.skip("nginx is not installed")
    port = free_port()
    a, b = (f"127.0.0.1:{nodes[n].port}" for n in ("node-a", "node-b"))
    text = CONF.read_text()
    assert text.count("127.0.0.1:8080") == 2 and text.count("127.0.0.1:8090") == 2
    conf = tmp_path / "nginx.conf"
    conf.write_text(text.replace("127.0.0.1:8080", a).replace("127.0.0.1:8090", b)
                    .replace("listen 127.0.0.1:8000", f"listen 127.0.0.1:{port}"))
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    log = (tmp_path / "nginx.log").open("wb")
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, (tmp_path / "nginx.log").read_text()
        try:
            return http("GET", base + "/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(answering, what="nginx to answer")
        yield base
    finally:
        process.terminate()
        process.wait(10)


def _node_of(base: str, session: str, what: str) -> str:
    answer = http("GET", f"{base}/api/v1/playback/{what.format(session)}")
    assert answer.status in (401, 403, 404, 405), (answer.status, answer.body[:200])
    return answer.headers["X-Revenge-Node"]


def test_sessions_stick_to_a_node_spread_over_both_and_survive_a_dead_one(
    balancer: str, nodes: dict[str, Server]
) -> None:
    paths = ("{}/master.m3u8?sig=x", "{}/source/3.ts?sig=x", "sessions/{}",
             "sessions/{}/progress")
    sessions = [secrets.token_urlsafe(12) for _ in range(24)]
    placed = {}
    for session in sessions:
        seen = {_node_of(balancer, session, path) for path in paths for _ in range(2)}
        assert len(seen) == 1, (session, seen)  # every request of a session: one node
        placed[session] = seen.pop()
    assert set(placed.values()) == {"node-a", "node-b"}
    # Requests that name no session go to either node.
    assert {http("GET", balancer + "/healthz").headers["X-Revenge-Node"]
            for _ in range(6)} == {"node-a", "node-b"}

    nodes["node-b"].stop(signal.SIGKILL)
    for session in sessions:
        assert _node_of(balancer, session, paths[1]) == "node-a"
    moved = [s for s in sessions if placed[s] == "node-a"]
    assert all(_node_of(balancer, s, paths[0]) == "node-a" for s in moved)
