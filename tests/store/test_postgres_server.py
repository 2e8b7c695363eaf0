"""Two real ``twistd revenge --store-url postgresql://...`` nodes on one database: one library,
one set of users, progress and secrets (a URL one node signs plays on the other)."""

from __future__ import annotations

from pathlib import Path

import pytest

from revenge.admin import run as admin
from tests.server import Server, http, wait_for

pytestmark = pytest.mark.slow

CLIENT = {"containers": ["mp4"], "video_codecs": ["h264"], "audio_codecs": ["aac"]}


def _node(tmp_path: Path, name: str, url: str, media: Path, token: str) -> Server:
    return Server(tmp_path / name, ["--store-url", url, "--data-dir", str(tmp_path / name),
                                    "--media", str(media)], token=token)


def test_two_nodes_on_one_postgresql_serve_the_same_library_users_and_urls(
    tmp_path: Path, postgres_url: str, clip_4s: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "clip.mp4").symlink_to(clip_4s)
    admin(["--store-url", postgres_url, "user", "add", "alice", "--admin"])
    token = admin(["--store-url", postgres_url, "token", "create", "alice"]).split()[0]
    with _node(tmp_path, "one", postgres_url, media, token) as one, \
            _node(tmp_path, "two", postgres_url, media, token) as two:
        def ready(server: Server) -> bool:  # the store open, the embedded Blackbeard up
            return server.get("/readyz").status == 200

        wait_for(lambda: ready(one) and ready(two), what="both nodes to be ready")

        def listed(server: Server) -> list[str]:
            return [m["id"] for m in server.get("/api/v1/media").json()["items"]]

        (media_id,) = wait_for(lambda: listed(one), what="node one's index")
        assert wait_for(lambda: listed(two), what="node two's index") == [media_id]
        # Whichever node scanned, the other waited for it and found nothing new to probe.
        assert one.log().count("library scan: 1 found, 1 probed") + two.log().count(
            "library scan: 1 found, 1 probed") == 1
        session = one.post("/api/v1/playback/sessions",
                           {"media_id": media_id, "client": CLIENT}).json()
        assert session["mode"] == "direct", session
        # Signed by node one, played from node two (no bearer: the URL's signature only).
        direct = http("GET", two.url(session["direct_url"]), headers={"Range": "bytes=0-99"})
        assert direct.status == 206 and len(direct.body) == 100
        assert direct.body == clip_4s.read_bytes()[:100]
        assert http("GET", two.url(session["direct_url"][:-3] + "abc")).status == 401
        # Progress written through one node is the resume position on the other.
        progress = one.post(f"/api/v1/playback/sessions/{session['session_id']}/progress",
                            {"position": 2.5, "state": "playing"})
        assert progress.status in (200, 204), progress.body
        assert two.get(f"/api/v1/media/{media_id}").json()["resume_position"] == 2.5
    assert "store open on PostgreSQL" in one.log()
    assert not (tmp_path / "one" / "revenge.sqlite3").exists()
    assert not (tmp_path / "one" / "secrets.json").exists()


def test_a_node_whose_database_is_unreachable_says_so_and_exits(tmp_path: Path) -> None:
    server = Server(tmp_path / "run", ["--store-url", "postgresql://nobody@127.0.0.1:1/gone",
                                       "--data-dir", str(tmp_path / "data")])
    with pytest.raises(AssertionError, match="server exited early"):
        server.start()
    assert "revenge: store unavailable: PostgreSQL database gone" in server.log()
