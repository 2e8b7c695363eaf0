"""Sessions as people watch: abandoned tabs make room for a new device, users list their
sessions, admins see and stop everyone's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path, clip_4s: Path) -> Iterator[Server]:
    media = tmp_path / "media"
    media.mkdir()
    os.link(clip_4s, media / "clip.mp4")
    config = tmp_path / "revenge.toml"
    config.write_text("[playback]\nmax_sessions_per_user = 4\nsession_grace = 1.0\n")
    data = tmp_path / "data"
    token = admin_token(data, "family", admin=False)
    with Server(tmp_path / "run", ["--media", str(media), "--data-dir", str(data),
                                   "--config", str(config)], token=token) as running:
        wait_for(lambda: running.get("/api/v1/media").json()["total"] == 1, what="the scan")
        yield running


def test_abandoned_devices_make_room_and_an_admin_stops_a_session(
    server: Server, tmp_path: Path
) -> None:
    media_id = server.get("/api/v1/media").json()["items"][0]["id"]
    abandoned = [server.post("/api/v1/playback/sessions", {"media_id": media_id}).json()
                 ["session_id"] for _ in range(4)]
    # The fifth device: refused while the others are fresh, admitted once they are idle for
    # longer than the grace period (1 s here), by stopping the least recently active.
    fifth = wait_for(lambda: (answer := server.post("/api/v1/playback/sessions",
                                                    {"media_id": media_id})).status == 201
                     and answer.json(), what="room for a fifth device", timeout=10)
    mine = server.get("/api/v1/playback/sessions").json()
    listed = {s["session_id"] for s in mine["items"]}
    assert mine["total"] == 4 and fifth["session_id"] in listed
    assert abandoned[0] not in listed and set(abandoned[1:]) <= listed
    assert server.get(f"/api/v1/playback/sessions/{abandoned[0]}").status == 404
    assert all(s["user"] == "family" and s["client_address"] == "127.0.0.1"
               for s in mine["items"])

    # Another user sees none of them; an admin sees all, with who and what, and stops one.
    other = {"Authorization": f"Bearer {admin_token(tmp_path / 'data', 'guest', admin=False)}"}
    assert http("GET", server.url("/api/v1/playback/sessions"), headers=other).json()[
        "total"] == 0
    admin = {"Authorization": f"Bearer {admin_token(tmp_path / 'data', 'root')}"}
    everyone = http("GET", server.url("/api/v1/playback/sessions"), headers=admin).json()
    assert everyone["total"] == 4
    assert {s["title"] for s in everyone["items"]} == {"clip"}
    assert http("GET", server.url("/api/v1/me"), headers=admin).json()["is_admin"] is True
    stopped = http("DELETE", server.url(f"/api/v1/playback/sessions/{fifth['session_id']}"),
                   headers=admin)
    assert stopped.status == 204
    assert server.get("/api/v1/playback/sessions").json()["total"] == 3
    assert http("DELETE", server.url(f"/api/v1/playback/sessions/{abandoned[1]}"),
                headers=other).status == 404
