"""The shipped ``etc/nginx-cluster.conf`` in a real nginx before two real ``twistd revenge``
nodes: a session's requests all reach one node (told apart by ``X-Revenge-Node``), sessions
spread over both, and when a node is killed its sessions' requests reach the other."""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.balancer import nginx_before
from tests.server import Server, http

pytestmark = pytest.mark.slow


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
    with nginx_before(tmp_path, [nodes[n].port for n in ("node-a", "node-b")]) as base:
        yield base


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
