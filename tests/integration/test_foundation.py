"""The real ``twistd revenge`` process: plugin, config errors, library API, metrics, SIGTERM."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from twisted.application.service import IServiceMaker
from twisted.plugin import getPlugins

from tests.server import TWISTD, Server, admin_token, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def library(tmp_path: Path, clip_4s: Path) -> Path:
    """A media folder: two real clips, a corrupt file and a text file."""
    media = tmp_path / "media"
    (media / "films").mkdir(parents=True)
    shutil.copy(clip_4s, media / "films" / "Zebra.mp4")
    shutil.copy(clip_4s, media / "alpha.mp4")
    (media / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3 definitely not matroska" * 50)
    (media / "readme.txt").write_text("not media")
    return media


@pytest.fixture
def token(tmp_path: Path) -> str:
    return admin_token(tmp_path / "data")


@pytest.fixture
def server(tmp_path: Path, library: Path, token: str) -> Iterator[Server]:
    with Server(tmp_path / "run", ["--media", str(library), "--data-dir",
                                   str(tmp_path / "data")], token=token) as running:
        wait_for(lambda: running.get("/api/v1/media").json()["total"] == 3, what="the scan")
        yield running


def test_plugin_is_discovered_and_documents_its_options() -> None:
    names = {maker.tapname for maker in getPlugins(IServiceMaker)}
    assert "revenge" in names
    done = subprocess.run([TWISTD, "revenge", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    for option in ("--config", "--listen", "--internal-listen", "--media", "--data-dir",
                   "--blackbeard-url", "--log-format"):
        assert option in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log-format", "yaml"], "command line: [server] log_format: 'yaml' is not one of"),
        (["--config", "{bad}"], "[library] probe_threads: 0 is out of range [1, 32]"),
        (["--config", "{missing}"], "cannot read"),
    ],
)
def test_a_bad_config_stops_start_up_with_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[library]\nprobe_threads = 0\n")
    args = [a.format(bad=bad, missing=tmp_path / "missing.toml") for a in args]
    done = subprocess.run([TWISTD, "-n", "--pidfile=", "revenge", *args], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("revenge: config error: ")
    assert message in lines[0]


def test_library_listing_sorted_paged_with_durations(server: Server) -> None:
    page = server.get("/api/v1/media").json()
    titles = [item["title"] for item in page["items"]]
    assert titles == ["alpha", "broken", "Zebra"]
    by_title = {item["title"]: item for item in page["items"]}
    assert abs(by_title["alpha"]["duration"] - 4.0) < 0.1
    assert by_title["Zebra"]["file"] == "films/Zebra.mp4"
    assert [s["kind"] for s in by_title["Zebra"]["streams"]] == ["video", "audio"]
    broken = by_title["broken"]
    assert broken["playable"] is False and broken["probe_error"]
    assert broken["duration"] is None
    second = server.get("/api/v1/media?offset=1&limit=1").json()
    assert [i["title"] for i in second["items"]] == ["broken"] and second["total"] == 3
    detail = server.get(f"/api/v1/media/{by_title['alpha']['id']}")
    # Artwork is made in the background: its URLs may appear between the two requests.
    assert detail.status == 200 and _without_artwork(detail.json()) == _without_artwork(
        by_title["alpha"])
    # No path of the server's disk: nothing but the relative file and the API's own URLs.
    shown = [{k: v for k, v in i.items() if not k.endswith("_url")} for i in page["items"]]
    assert "/" not in json.dumps(shown).replace("films/Zebra.mp4", "")
    assert all(i["poster_url"] is None or i["poster_url"].startswith("/api/v1/media/")
               for i in page["items"])


def _without_artwork(item: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in item.items() if k not in ("poster_url", "thumbnails_url")}


def test_ids_are_stable_across_restart_and_rescan(
    tmp_path: Path, library: Path, token: str
) -> None:
    args = ["--media", str(library), "--data-dir", str(tmp_path / "data")]

    def ids(server: Server) -> dict[str, str]:
        items = server.get("/api/v1/media").json()["items"]
        return {i["file"]: i["id"] for i in items}

    with Server(tmp_path / "run", args, token=token) as first:
        wait_for(lambda: len(ids(first)) == 3, what="the first scan")
        before = ids(first)
    (library / "alpha.mp4").rename(library / "moved.mp4")
    shutil.copy(library / "moved.mp4", library / "new.mp4")
    with Server(tmp_path / "run", args, token=token) as second:
        # The persisted index answers before the rescan; then the rescan catches up.
        wait_for(lambda: "new.mp4" in ids(second), what="the rescan")
        after = ids(second)
    assert after["films/Zebra.mp4"] == before["films/Zebra.mp4"]
    assert after["broken.mkv"] == before["broken.mkv"]
    assert "alpha.mp4" not in after and after["moved.mp4"] != before["alpha.mp4"]


def test_scan_endpoint_finds_new_files(server: Server, library: Path) -> None:
    shutil.copy(library / "alpha.mp4", library / "beta.mp4")
    started = server.post("/api/v1/library/scan")
    assert started.status == 202 and started.json() == {"scanning": True}
    wait_for(lambda: server.get("/api/v1/media").json()["total"] == 4, what="the rescan")
    status = server.get("/api/v1/library/scan").json()
    wait_for(lambda: not server.get("/api/v1/library/scan").json()["scanning"], what="the end")
    status = server.get("/api/v1/library/scan").json()
    assert status["last"]["probed"] == 1 and status["last"]["unchanged"] == 3


def test_errors_are_json_with_the_right_status(server: Server) -> None:
    missing = server.get("/api/v1/media/0000000000000000")
    assert missing.status == 404
    assert missing.headers["Content-Type"] == "application/json"
    assert missing.json()["error"]["code"] == "media_not_found"
    unknown = server.get("/no/such/route")
    assert unknown.status == 404 and unknown.json()["error"]["code"] == "not_found"
    wrong = server.post("/api/v1/media")
    assert wrong.status == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    bad = server.get("/api/v1/media?limit=0")
    assert bad.status == 400 and bad.json()["error"]["code"] == "bad_argument"
    bad = server.get("/api/v1/media?offset=x")
    assert bad.status == 400


def test_health_and_metrics(server: Server) -> None:
    assert server.get("/healthz").json() == {"status": "ok"}
    ready = server.get("/readyz")
    assert ready.status == 200 and ready.json()["checks"] == {"store": True, "blackbeard": True}
    server.get("/api/v1/media")
    text = server.get("/metrics").body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert "process_resident_memory_bytes" in families
    requests = families["revenge_http_requests"]
    media_ok = [s for s in requests.samples if s.labels.get("route") == "/api/v1/media"
                and s.labels.get("status") == "200" and s.name.endswith("_total")]
    assert media_ok and media_ok[0].value >= 2
    assert "revenge_http_request_duration_seconds" in families
    assert "revenge_http_response_bytes" in families


def test_sigterm_stops_cleanly_within_five_seconds(server: Server) -> None:
    started = time.monotonic()
    assert server.stop(signal.SIGTERM, timeout=5) == 0
    assert time.monotonic() - started < 5
    assert "Traceback" not in server.log()


def test_json_log_format_writes_one_object_per_line(
    tmp_path: Path, library: Path, token: str
) -> None:
    args = ["--media", str(library), "--data-dir", str(tmp_path / "data"), "--log-format", "json"]
    with Server(tmp_path / "run", args, token=token) as server:
        server.get("/api/v1/media")
    records = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    requests = [r for r in records if r.get("route") == "/api/v1/media"]
    assert requests and requests[0]["status"] == "200" and requests[0]["method"] == "GET"
    assert {"time", "level", "namespace", "message", "bytes", "duration_ms"} <= set(requests[0])

