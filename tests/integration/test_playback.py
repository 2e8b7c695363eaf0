"""End to end on a real server with the embedded Blackbeard and real ffmpeg.

A real HLS client (ffmpeg) plays a whole stream through Revenge; segments come from the
buffer, then from the cache for a second viewer; tokens are checked; nothing is left running.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import m3u8
import pytest
from prometheus_client.parser import text_string_to_metric_families

from revenge.blackbeard.timeline import Timeline
from tests.media import make_clip, media_duration
from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow
# The 30 s clip remuxed: a keyframe every second, so three 2 s bootstrap segments, then 6 s.
SEGMENTS = Timeline(30.0, 6.0, 2.0).count


def ffmpeg_children(pid: int) -> list[int]:
    """Processes named ffmpeg* anywhere below ``pid``."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry))
        names[int(entry)] = name
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if names[child].startswith("ffmpeg"):
                found.append(child)
    return found


@pytest.fixture
def server(tmp_path: Path, media_dir: Path) -> Iterator[Server]:
    data = tmp_path / "data"
    token = admin_token(data)
    with Server(tmp_path / "run", ["--media", str(media_dir), "--data-dir", str(data)],
                token=token) as running:
        wait_for(lambda: running.get("/api/v1/media").json()["total"] == 1, what="the scan")
        yield running


def _media_id(server: Server) -> str:
    return str(server.get("/api/v1/media").json()["items"][0]["id"])


def _open(server: Server, media_id: str, **options: object) -> dict[str, object]:
    created = server.post("/api/v1/playback/sessions", {"media_id": media_id, **options})
    assert created.status == 201, created.body
    return dict(created.json())


def _segments(server: Server, master_url: str) -> list[tuple[str, str, int]]:
    """Fetch every segment of the first variant as a player would: (source, name, bytes)."""
    base = server.url(master_url.rsplit("/", 1)[0] + "/")
    master = m3u8.loads(http("GET", server.url(master_url)).body.decode(), uri=base)
    variant_url = master.playlists[0].absolute_uri
    variant_base = variant_url.rsplit("/", 1)[0] + "/"
    media = m3u8.loads(http("GET", variant_url).body.decode(), uri=variant_base)
    fetched = []
    for segment in media.segments:
        answer = http("GET", segment.absolute_uri)
        assert answer.status == 200, answer.body[:200]
        fetched.append((answer.headers["X-Served-From"], segment.uri.split("?")[0],
                        len(answer.body)))
    return fetched


def _metric(server: Server, name: str, **labels: str) -> float:
    text = server.get("/metrics").body.decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_a_real_hls_client_plays_the_whole_stream(server: Server) -> None:
    session = _open(server, _media_id(server))
    assert session["mode"] == "transcode" and session["profiles"]
    played = media_duration(server.url(str(session["master_url"])))
    assert abs(played - 30.0) <= 0.5
    manifest = http("GET", server.url(str(session["master_url"])))
    assert manifest.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert manifest.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert server.delete(f"/api/v1/playback/sessions/{session['session_id']}").status == 204
    process = server.process
    assert process is not None
    wait_for(lambda: not ffmpeg_children(process.pid), what="ffmpeg to stop")


def test_a_data_directory_given_relative_to_the_working_directory_transcodes(
    tmp_path: Path, media_dir: Path
) -> None:
    # Encoders run in the server's own working directory (spawned, not forked) and are
    # told absolute paths: a relative --data-dir is where their segments land and are read.
    run = tmp_path / "run"
    token = admin_token(run / "data")
    with Server(run, ["--media", str(media_dir), "--data-dir", "data"], token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        session = _open(server, _media_id(server))
        assert session["mode"] == "transcode"
        assert abs(media_duration(server.url(str(session["master_url"]))) - 30.0) <= 0.5
        assert any((run / "data" / "transcodes").iterdir())


def test_buffer_then_cache_for_a_second_viewer(server: Server) -> None:
    media_id = _media_id(server)
    first = _open(server, media_id, profile="source")
    sources = [source for source, _, _ in _segments(server, str(first["master_url"]))]
    assert len(sources) == SEGMENTS
    assert sources[2:] == ["buffer"] * (SEGMENTS - 2), sources
    second = _open(server, media_id, profile="source")
    again = [source for source, _, _ in _segments(server, str(second["master_url"]))]
    assert again == ["cache"] * SEGMENTS
    assert _metric(server, "revenge_playback_segments_served_total",
                   source="cache") >= SEGMENTS
    assert _metric(server, "revenge_playback_segments_served_total",
                   source="buffer") >= SEGMENTS - 2
    described = server.get(f"/api/v1/playback/sessions/{second['session_id']}").json()
    assert described["stats"]["segments"]["cache"] == SEGMENTS
    # By default only the segments a player waited for (the transcoder made them for the
    # first viewer) are logged, not those at hand in the cache ([server] log_segments).
    served = [line for line in server.log().splitlines() if "segment served" in line]
    assert len(served) <= 5 and not any("from cache" in line for line in served), served


def _forge(data_dir: Path, subject: str, expires: int) -> str:
    key = bytes.fromhex(json.loads((data_dir / "secrets.json").read_text())["signing_key"])
    mac = hmac.new(key, f"{subject}\n{expires}".encode(), hashlib.sha256).digest()
    return f"{expires}.{base64.urlsafe_b64encode(mac[:24]).decode().rstrip('=')}"


def test_tampered_expired_and_foreign_tokens_get_403(server: Server, tmp_path: Path) -> None:
    media_id = _media_id(server)
    session = _open(server, media_id)
    other = _open(server, media_id)
    master_url = str(session["master_url"])
    path, token = master_url.split("?t=")
    assert http("GET", server.url(master_url)).status == 200
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "1.x",
                str(other["master_url"]).split("?t=")[1],
                _forge(tmp_path / "data", f"session:{session['session_id']}", 1000)):
        answer = http("GET", server.url(f"{path}?t={bad}"))
        assert answer.status == 403, bad
        assert answer.json()["error"]["code"] in ("token_invalid", "token_expired", "token_missing")
    expired = _forge(tmp_path / "data", f"session:{session['session_id']}", 1000)
    answer = http("GET", server.url(f"{path}?t={expired}"))
    assert answer.json()["error"]["code"] == "token_expired"
    assert http("GET", server.url(path)).status == 403


def test_progress_is_kept_and_a_failed_start_does_not_overwrite_it(server: Server) -> None:
    media_id = _media_id(server)
    session = _open(server, media_id)
    sid = session["session_id"]
    beat = server.post(f"/api/v1/playback/sessions/{sid}/progress",
                       {"position": 12.5, "state": "playing"})
    assert beat.status == 200 and beat.json()["state"] == "playing"
    assert server.get(f"/api/v1/media/{media_id}").json()["resume_position"] == 12.5
    # A second session that never plays (paused at 0, then stopped) leaves it alone.
    failed = _open(server, media_id)
    server.post(f"/api/v1/playback/sessions/{failed['session_id']}/progress",
                {"position": 0, "state": "paused"})
    assert server.delete(f"/api/v1/playback/sessions/{failed['session_id']}").status == 204
    assert server.get(f"/api/v1/media/{media_id}").json()["resume_position"] == 12.5
    bad = server.post(f"/api/v1/playback/sessions/{sid}/progress", {"position": -1})
    assert bad.status == 400
    bad = server.post(f"/api/v1/playback/sessions/{sid}/progress", {"position": 1, "state": "x"})
    assert bad.status == 400


def test_session_errors(server: Server) -> None:
    assert server.post("/api/v1/playback/sessions", {"media_id": "nope"}).status == 404
    assert server.post("/api/v1/playback/sessions", {}).status == 400
    assert server.post("/api/v1/playback/sessions",
                       {"media_id": _media_id(server), "start_position": 99999}).status == 400
    assert server.get("/api/v1/playback/sessions/nope").status == 404
    assert server.delete("/api/v1/playback/sessions/nope").status == 404


def test_crash_keeps_every_acknowledged_position_and_old_urls_work(
    tmp_path: Path, media_dir: Path
) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    args = ["--media", str(media_dir), "--data-dir", str(data)]
    with Server(tmp_path / "run", args, token=token) as first:
        wait_for(lambda: first.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = _media_id(first)
        session = _open(first, media_id, profile="source")
        sid = session["session_id"]
        acknowledged = 0.0
        for n in range(200):
            position = round(n * 0.1, 1)
            answer = first.post(f"/api/v1/playback/sessions/{sid}/progress",
                                {"position": position, "state": "playing"})
            assert answer.status == 200
            acknowledged = position
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    with Server(tmp_path / "run", args, token=token) as second:
        assert second.get(f"/api/v1/media/{media_id}").json()["resume_position"] == acknowledged
        restored = second.get(f"/api/v1/playback/sessions/{sid}").json()
        assert restored["position"] == acknowledged
        fetched = _segments(second, str(session["master_url"]))
        assert len(fetched) == SEGMENTS and all(size > 0 for _, _, size in fetched)


def test_a_shutdown_with_live_encoders_ends_within_five_seconds(tmp_path: Path) -> None:
    media = tmp_path / "media"
    make_clip(media / "long.mp4", seconds=120)
    data = tmp_path / "data"
    running = Server(tmp_path / "run", ["--media", str(media), "--data-dir", str(data)],
                     token=admin_token(data)).start()
    try:
        wait_for(lambda: running.get("/api/v1/media").json()["total"] == 1, what="the scan")
        session = _open(running, _media_id(running))
        assert http("GET", running.url(str(session["master_url"]))).status == 200
        assert running.process is not None
        # The start variant's encoder and the audio's: paused a lookahead ahead, alive.
        encoders = ffmpeg_children(running.process.pid)
        assert len(encoders) >= 2
    finally:
        status = running.stop(signal.SIGTERM, timeout=5)
    assert status == 0
    assert not [pid for pid in encoders if os.path.exists(f"/proc/{pid}")]
