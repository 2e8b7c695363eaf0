"""The whole cluster on loopback: PostgreSQL, two ``twistd revenge`` nodes sharing it (each
with both Blackbeards), two ``twistd blackbeard``, and nginx with the shipped config in front.

A player plays a clip through nginx; the node serving it is killed (SIGKILL) mid-stream and
the rest of the stream comes from the other node, judged strictly and read whole by ffmpeg's
HLS demuxer; the resume position posted before the kill is the one after. Then the Blackbeard
making the next stream is killed mid-stream, and that stream too plays to the end.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from revenge.admin import run as admin
from tests.balancer import nginx_before
from tests.hls.load import HttpAnswer
from tests.hls_check import check_stream
from tests.server import Server, free_port, http, wait_for
from tests.store.postgres import fresh_schema, postgres_server

pytestmark = pytest.mark.slow
NAMES = ("node-a", "node-b")
KILL_AFTER = 5  # segments the player has before something dies
POSTED = 9.25  # the position the player reports just before the kill


@pytest.fixture
def store_url() -> Iterator[str]:
    with postgres_server() as server, fresh_schema(server) as url:
        yield url


@pytest.fixture
def token(store_url: str) -> str:
    admin(["--store-url", store_url, "user", "add", "alice", "--admin"])
    return admin(["--store-url", store_url, "token", "create", "alice"]).split()[0]


@pytest.fixture
def nodes(tmp_path: Path, store_url: str, media_dir: Path, blackbeards: list[Server],
          token: str) -> Iterator[dict[str, Server]]:
    (tmp_path / "revenge.toml").write_text("[playback]\nsegment_duration = 2.0\n")
    started: dict[str, Server] = {}
    try:
        for name in NAMES:
            args = ["--store-url", store_url, "--node-name", name, "--media", str(media_dir),
                    "--data-dir", str(tmp_path / name / "data"),
                    "--config", str(tmp_path / "revenge.toml"),
                    "--internal-listen", f"tcp:{free_port()}:interface=127.0.0.1"]
            for each in blackbeards:
                args += ["--blackbeard-url", each.base]
            started[name] = Server(tmp_path / name, args, token=token).start()
        for each in started.values():
            wait_for(lambda s=each: s.get("/api/v1/media").json()["total"] == 1,  # type: ignore[misc]
                     what="the library on every node")
        yield started
    finally:
        for each in started.values():
            each.stop(signal.SIGKILL)


class Player:
    """A player behind nginx: every GET noted with the node that answered it; after
    ``KILL_AFTER`` segments, ``at_kill`` runs once."""

    def __init__(self, base: str, token: str, at_kill: Callable[[Player], None]) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.at_kill = at_kill
        self.answers: list[tuple[str, int, str]] = []  # (url, status, node)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        answer = http(method, self.base + path, body=body, headers=self.headers)
        assert answer.status in (200, 201, 204), (path, answer.status, answer.body)
        return answer

    def segments(self) -> list[tuple[str, int, str]]:
        return [a for a in self.answers if a[0].split("?")[0].endswith(".ts")]

    def get(self, url: str) -> HttpAnswer:
        answer = http("GET", url, timeout=120)
        self.answers.append((url, answer.status, answer.headers.get("X-Revenge-Node", "")))
        if len(self.segments()) == KILL_AFTER and answer.status == 200:
            self.at_kill(self)
        return HttpAnswer(answer.status, answer.headers.get("Content-Type", ""), answer.body)

    def play(self, master_url: str) -> Any:
        return check_stream(self.base + master_url, expected_duration=30.0, has_video=True,
                            has_audio=True, segment_duration=2.0, variants=[0],
                            http_get=self.get)


def _opened_where_hashed(player: Player, node: Server, media_id: str) -> Any:
    """A session opened on ``node`` that nginx sends to ``node`` too (ids are random: about
    one in two is), so the other node has never held it."""
    for _ in range(30):
        created = node.post("/api/v1/playback/sessions", {"media_id": media_id}).json()
        path = f"/api/v1/playback/sessions/{created['session_id']}"
        if player.api("GET", path).headers["X-Revenge-Node"] == node.workdir.name:
            return created
        player.api("DELETE", path)
    raise AssertionError("no session id hashed to the node that opened it")


def test_a_node_then_a_blackbeard_killed_mid_stream_cost_the_player_nothing(
    tmp_path: Path, nodes: dict[str, Server], blackbeards: list[Server], token: str
) -> None:
    with nginx_before(tmp_path, [nodes[n].port for n in NAMES]) as base:
        media_id = http("GET", base + "/api/v1/media", headers={
            "Authorization": f"Bearer {token}"}).json()["items"][0]["id"]
        killed: list[str] = []
        resume_after_kill: list[float] = []

        def kill_the_serving_node(player: Player) -> None:
            node = player.segments()[-1][2]
            beat = player.api("POST", f"/api/v1/playback/sessions/{sid}/progress",
                              {"position": POSTED, "state": "playing"})
            assert beat.headers["X-Revenge-Node"] == node  # hashed to the serving node
            nodes[node].stop(signal.SIGKILL)
            killed.append(node)
            resume_after_kill.append(
                player.api("GET", f"/api/v1/media/{media_id}").json()["resume_position"])

        player = Player(base, token, kill_the_serving_node)
        created = _opened_where_hashed(player, nodes[NAMES[0]], media_id)
        sid = created["session_id"]
        report = player.play(created["master_url"])
        assert report.ok, report
        assert [a for a in player.answers if a[1] != 200] == []
        (dead,) = killed
        (survivor,) = set(NAMES) - {dead}
        served = [node for _, _, node in player.segments()]
        assert set(served[:KILL_AFTER]) == {dead}
        assert len(served) > 2 * KILL_AFTER and set(served[KILL_AFTER:]) == {survivor}
        assert resume_after_kill == [POSTED]  # written through the dead node, read elsewhere
        # The survivor never held it: it took it on at the segment the player asked for.
        assert dead == NAMES[0]
        assert f"session {sid} taken on from the store at {2.0 * KILL_AFTER:.1f}s" in \
            nodes[survivor].log()
        beat = player.api("POST", f"/api/v1/playback/sessions/{sid}/progress",
                          {"position": 29.0, "state": "paused"})
        assert beat.headers["X-Revenge-Node"] == survivor and beat.json()["position"] == 29.0
        player.api("DELETE", f"/api/v1/playback/sessions/{sid}")

        # Now the Blackbeard making a new stream dies mid-stream.
        left = nodes[survivor]
        victims: list[Server] = []

        def kill_its_blackbeard(player: Player) -> None:
            busy = [b["name"] for b in left.get("/readyz").json()["blackbeards"] if b["active"]]
            (victim,) = [b for b in blackbeards if b.base in busy]
            victim.stop(signal.SIGKILL)
            victims.append(victim)

        player = Player(base, token, kill_its_blackbeard)
        created = player.api("POST", "/api/v1/playback/sessions", {"media_id": media_id}).json()
        report = player.play(created["master_url"])
        assert report.ok, report
        assert [a for a in player.answers if a[1] != 200] == []
        assert len(victims) == 1 and len(player.segments()) > 2 * KILL_AFTER
        view = {b["name"]: b["up"] for b in left.get("/readyz").json()["blackbeards"]}
        assert view[victims[0].base] is False and list(view.values()).count(True) == 1
