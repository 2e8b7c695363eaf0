"""A pool of two real ``twistd blackbeard`` behind one ``twistd revenge``: the one making a
session's transcode is killed (SIGKILL) mid-film, and the player still gets every segment,
judged strictly and read whole by ffmpeg's HLS demuxer; ``/readyz`` says which is down, every
response names the node, and every metric carries it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.hls.load import HttpAnswer, urllib_get
from tests.hls_check import check_stream
from tests.server import Server, admin_token, free_port, http, wait_for

pytestmark = pytest.mark.slow
NODE = "node-a"
KILL_AFTER = 5  # segments the player has before its transcode's Blackbeard dies


def _pool_view(server: Server) -> dict[str, dict[str, Any]]:
    return {b["name"]: b for b in server.get("/readyz").json()["blackbeards"]}


def test_a_blackbeard_killed_mid_film_costs_the_player_nothing(
    tmp_path: Path, media_dir: Path, blackbeards: list[Server]
) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    (tmp_path / "revenge.toml").write_text("[playback]\nsegment_duration = 2.0\n")
    internal = free_port()
    args = ["--media", str(media_dir), "--data-dir", str(data), "--config",
            str(tmp_path / "revenge.toml"), "--node-name", NODE,
            "--internal-listen", f"tcp:{internal}:interface=127.0.0.1"]
    for each in blackbeards:
        args += ["--blackbeard-url", each.base]
    with Server(tmp_path / "run", args, token=token) as server:
        assert set(_pool_view(server)) == {b.base for b in blackbeards}
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        created = server.post("/api/v1/playback/sessions", {"media_id": media_id})
        assert created.status == 201 and created.headers["X-Revenge-Node"] == NODE
        busy = [name for name, b in _pool_view(server).items() if b["active"] == 1]
        assert len(busy) == 1
        victim = next(b for b in blackbeards if b.base == busy[0])
        answers: list[tuple[str, int]] = []

        def player_get(url: str) -> HttpAnswer:
            answer = urllib_get(url)
            answers.append((url, answer.status))
            if sum(u.split("?")[0].endswith(".ts") for u, _ in answers) == KILL_AFTER:
                victim.stop(signal.SIGKILL)
            return answer

        report = check_stream(server.url(created.json()["master_url"]),
                              expected_duration=30.0, has_video=True, has_audio=True,
                              segment_duration=2.0, variants=[0], http_get=player_get)
        assert victim.process is not None and victim.process.poll() is not None
        assert report.ok, report
        assert [a for a in answers if a[1] != 200] == []
        assert sum(u.split("?")[0].endswith(".ts") for u, _ in answers) > 2 * KILL_AFTER

        view = _pool_view(server)
        survivor = next(b for b in blackbeards if b is not victim)
        assert view[victim.base]["up"] is False and view[survivor.base]["up"] is True
        assert view[victim.base]["active"] == 0 and view[survivor.base]["active"] == 1
        ready = server.get("/readyz")
        assert ready.status == 200 and ready.json()["node"] == NODE
        assert "transcode moved from" in server.log()

        metrics = server.get("/metrics")
        assert metrics.headers["X-Revenge-Node"] == NODE
        families = list(text_string_to_metric_families(metrics.body.decode()))
        samples = [s for f in families for s in f.samples]
        assert samples and all(s.labels.get("node") == NODE for s in samples)
        moved = [s for s in samples if s.name == "revenge_blackbeard_pool_failovers_total"
                 and s.labels["reason"] == "unavailable"]
        assert moved and moved[0].value >= 1
        # The internal listener (Blackbeard's side) names the node too, refusals included.
        refused = http("GET", f"http://127.0.0.1:{internal}/internal/stream/{media_id}")
        assert refused.status in (401, 403) and refused.headers["X-Revenge-Node"] == NODE
