"""Bootstrap segments end to end: a real server whose encoded sessions are cut every 6 s
starts one with 2 s segments on every variant and audio rendition, then the 6 s grid, and it
plays whole through ffmpeg; a remuxed session does too when the source has keyframes there
(the test clip has one every second), and keeps the plain grid when it has not."""

from __future__ import annotations

import subprocess
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
    # No remux: every variant encoded.
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


def _remuxed_lengths(server: Server, media_id: str) -> tuple[str, list[int]]:
    created = server.post("/api/v1/playback/sessions", {"media_id": media_id,
                                                       "profile": "source"})
    assert created.status == 201, created.body
    master_url = server.url(created.json()["master_url"])
    master = m3u8.loads(http("GET", master_url).body.decode(), uri=master_url)
    variant = master.playlists[0].absolute_uri
    assert "/source/" in variant
    lengths = [s.duration for s in m3u8.loads(http("GET", variant).body.decode()).segments]
    return master_url, [round(x) for x in lengths]


def test_a_remuxed_session_starts_with_bootstrap_segments_on_its_keyframes(
        tmp_path: Path, media_dir: Path) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    args = ["--media", str(media_dir), "--data-dir", str(data)]
    with Server(tmp_path / "run", args, token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        master_url, lengths = _remuxed_lengths(server, media_id)
        assert lengths == [2, 2, 2, 6, 6, 6, 6]
        report = check_stream(master_url, expected_duration=30.0, has_video=True,
                              has_audio=True, segment_duration=6.0, bootstrap=2.0,
                              variants=[0])
        assert report.ok, report


def test_a_remux_without_keyframes_on_the_short_cuts_keeps_the_plain_grid(
        tmp_path: Path, clip_30s: Path) -> None:
    from revenge.ffmpeg import ffmpeg_binary

    media = tmp_path / "media"
    media.mkdir()
    # Keyframes every 6 s only: remuxable on the 6 s grid, not on a 2 s bootstrap.
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-i", str(clip_30s),
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "1000",
                    "-force_key_frames", "expr:gte(t,n_forced*6)", "-c:a", "copy",
                    str(media / "film.mp4")], check=True)
    data = tmp_path / "data"
    token = admin_token(data)
    with Server(tmp_path / "run", ["--media", str(media), "--data-dir", str(data)],
                token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        master_url, lengths = _remuxed_lengths(server, media_id)
        assert lengths == [6, 6, 6, 6, 6]
        report = check_stream(master_url, expected_duration=30.0, has_video=True,
                              has_audio=True, segment_duration=6.0, variants=[0])
        assert report.ok, report
