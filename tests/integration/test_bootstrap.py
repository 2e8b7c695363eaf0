"""Bootstrap segments end to end: a real server whose encoded sessions are cut every 6 s
starts one with 2 s segments on every variant and audio rendition, then the 6 s grid, and it
plays whole through ffmpeg."""

from __future__ import annotations

from pathlib import Path

import m3u8
import pytest

from tests.hls_check import check_stream
from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow


def test_an_encoded_session_starts_with_bootstrap_segments(tmp_path: Path,
                                                           media_dir: Path) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    # No remux: a copied source would keep its own 6 s keyframe grid, so no bootstrap.
    (tmp_path / "revenge.toml").write_text(
        "[playback]\nremux = false\ntranscode_segment_duration = 6.0\n")
    args = ["--media", str(media_dir), "--data-dir", str(data),
            "--config", str(tmp_path / "revenge.toml")]
    with Server(tmp_path / "run", args, token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        created = server.post("/api/v1/playback/sessions", {"media_id": media_id})
        assert created.status == 201, created.body
        master_url = server.url(created.json()["master_url"])
        master = m3u8.loads(http("GET", master_url).body.decode(), uri=master_url)
        variant = master.playlists[0].absolute_uri
        lengths = [s.duration for s in m3u8.loads(http("GET", variant).body.decode()).segments]
        assert [round(x) for x in lengths] == [2, 2, 2, 6, 6, 6, 6]
        report = check_stream(master_url, expected_duration=30.0, has_video=True,
                              has_audio=True, segment_duration=6.0, bootstrap=2.0,
                              variants=[0])
        assert report.ok, report
