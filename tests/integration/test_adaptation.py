"""Quality adaptation on a real server: a slow player steps down and a fast one climbs back
(server ABR), and failing top-profile segments degrade a session while the player still
gets every segment."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import m3u8
import pytest

from tests.media import make_clip, media_duration
from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow
CONFIG = "[playback]\nsegment_duration = 2.0\n"


@pytest.fixture
def clip_360p(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 640x360 clip: a ladder of three (source, 240p, 144p), so the start is the middle."""
    return make_clip(tmp_path_factory.mktemp("media") / "clip360.mp4", seconds=24,
                     width=640, height=360)


def _read_throttled(url: str, bits_per_second: float | None,
                    before_close: Callable[[], object]) -> bytes:
    """GET ``url`` on a keep-alive connection, like a player, reading at about
    ``bits_per_second`` (None: at once)."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    with socket.socket() as s:
        if bits_per_second is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        while len(body) < length:
            chunk = s.recv(4096)
            assert chunk, "closed early"
            body += chunk
            if bits_per_second is not None:
                time.sleep(len(chunk) * 8 / bits_per_second)  # the throttle, not a sync
        # Keep the connection open (as a player would) until the server has timed it.
        before_close()
    return body


def _playlist(server: Server, master_url: str) -> tuple[str, list[str]]:
    base = server.url(master_url.rsplit("/", 1)[0] + "/")
    master = m3u8.loads(http("GET", server.url(master_url)).body.decode(), uri=base)
    variant = master.playlists[0].absolute_uri
    media = m3u8.loads(http("GET", variant).body.decode(), uri=variant.rsplit("/", 1)[0] + "/")
    return variant, [s.absolute_uri for s in media.segments]


def _decodes(segments: list[bytes], tmp_path: Path) -> float:
    joined = tmp_path / "switched.ts"
    joined.write_bytes(b"".join(segments))
    return media_duration(str(joined))


def test_server_abr_steps_down_for_a_slow_player_and_back_up(
    tmp_path: Path, clip_360p: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    os.link(clip_360p, media / "film.mp4")
    data = tmp_path / "data"
    token = admin_token(data)
    (tmp_path / "revenge.toml").write_text(CONFIG)
    args = ["--media", str(media), "--data-dir", str(data), "--config",
            str(tmp_path / "revenge.toml")]
    with Server(tmp_path / "run", args, token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        created = server.post("/api/v1/playback/sessions", {"media_id": media_id, "abr": "server"})
        session = created.json()
        assert session["profiles"] == ["source", "240p", "144p"]
        sid = session["session_id"]
        variant, urls = _playlist(server, session["master_url"])
        assert "/auto/index.m3u8" in variant

        def state() -> dict[str, Any]:
            return dict(server.get(f"/api/v1/playback/sessions/{sid}").json())

        def sampled_after(before: int) -> Callable[[], object]:
            """What waits for the server to take a bandwidth sample after ``before``."""
            return lambda: wait_for(lambda: state()["bandwidth_samples"] > before,
                                    what="a sample")

        fetched: list[bytes] = []
        profiles: list[str] = []
        for n, url in enumerate(urls):
            slow = n < 3
            samples = state()["bandwidth_samples"]
            # The server times delivery until the client acknowledged the last byte.
            fetched.append(_read_throttled(url, 400_000 if slow else None,
                                           sampled_after(samples)))
            profiles.append(str(state()["current_profile"]))
            if n >= 5:
                break
        # The start is the middle rung; the slow reads step it down, the fast ones up.
        assert profiles[:3] == ["240p", "144p", "144p"], profiles
        assert profiles[-1] == "source", profiles
        final = state()
        assert final["quality_switches"] >= 2
        metrics = server.get("/metrics").body.decode()
        for reason in ("bandwidth_drop", "bandwidth_rise"):  # labelled with the node too
            assert re.search(r'revenge_playback_quality_switches_total\{[^}]*reason="'
                             + reason + r'"[^}]*\} [1-9]', metrics), reason
        assert "quality switch" in server.log() and "bandwidth_drop" in server.log()
        assert abs(_decodes(fetched, tmp_path) - 2.0 * len(fetched)) < 0.5


class _FaultyProxy(BaseHTTPRequestHandler):
    """Forwards to Blackbeard, but every segment of the ``source`` profile fails with 500."""

    upstream = ""
    failed: list[int] = []  # indices of the source segments asked for (and failed)

    def _forward(self, method: str) -> None:
        failing = re.search(r"/source/(\d+)\.ts$", self.path)
        if method == "GET" and failing:
            type(self).failed.append(int(failing.group(1)))
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request = urllib.request.Request(self.upstream + self.path, data=body, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, payload, headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, payload, headers = error.code, error.read(), error.headers
        self.send_response(status)
        for name in ("Content-Type", "Retry-After"):
            if headers.get(name):
                self.send_header(name, headers[name])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._forward("GET")

    def do_POST(self) -> None:
        self._forward("POST")

    def do_DELETE(self) -> None:
        self._forward("DELETE")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def faulty_blackbeard(tmp_path: Path) -> Iterator[str]:
    blackbeard = Server(tmp_path / "bb", ["--work-dir", str(tmp_path / "bb-work")],
                        plugin="blackbeard")
    blackbeard.start(ready_path="/api/v1/health")
    _FaultyProxy.upstream = blackbeard.base
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _FaultyProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        assert blackbeard.stop() == 0


def test_failing_segments_degrade_the_session_and_every_segment_arrives(
    tmp_path: Path, media_dir: Path, faulty_blackbeard: str
) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    (tmp_path / "revenge.toml").write_text(CONFIG)
    args = ["--media", str(media_dir), "--data-dir", str(data), "--config",
            str(tmp_path / "revenge.toml"), "--blackbeard-url", faulty_blackbeard]
    with Server(tmp_path / "run", args, token=token) as server:
        wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="the scan")
        media_id = server.get("/api/v1/media").json()["items"][0]["id"]
        session = server.post("/api/v1/playback/sessions", {"media_id": media_id}).json()
        sid = session["session_id"]
        base = server.url(session["master_url"].rsplit("/", 1)[0] + "/")
        token_arg = session["master_url"].split("?")[1]
        media = m3u8.loads(http("GET", f"{base}source/index.m3u8?{token_arg}").body.decode())
        bodies = []
        for n, segment in enumerate(media.segments[:9]):
            answer = http("GET", f"{base}source/{segment.uri}", timeout=60)
            assert answer.status == 200, (n, answer.body[:200])
            bodies.append(answer.body)
            described = server.get(f"/api/v1/playback/sessions/{sid}").json()
            if n == 2:
                assert described["allowed_profiles"] == ["source", "144p"]
            if n == 3:  # the 4th error
                assert described["allowed_profiles"] == ["144p"]
        described = server.get(f"/api/v1/playback/sessions/{sid}").json()
        assert described["stats"]["errors"] == 4 and described["quality_switches"] == 1
        assert "quality switch" in server.log() and "(errors)" in server.log()
        # A failing segment is fetched at most twice (a prefetch, then the request), each
        # with 1 try + 3 retries; once degraded, the top profile is no longer asked of
        # Blackbeard: nothing past what was prefetched before the 4th error (3 + 3).
        counts = {i: _FaultyProxy.failed.count(i) for i in set(_FaultyProxy.failed)}
        assert all(n <= 8 for n in counts.values()), counts  # a prefetch may still be retrying
        assert max(counts) <= 6, counts
        assert abs(_decodes(bodies, tmp_path) - 2.0 * len(bodies)) < 0.5
