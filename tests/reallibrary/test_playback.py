"""Every file of a library like people own plays whole and right through a real
``twistd revenge``: listed with its real duration, and its HLS stream judged strictly
(``tests.hls_check``): EXTINF against the media, no gap or overlap between segments and
renditions, first frame at 0, the master's attributes true of the bitstreams, colours SDR,
pictures shown upright and undistorted, and ffmpeg's own HLS demuxer reading it all."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.hls_check import check_stream
from tests.realmedia import CATALOGUE, Media
from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow
# The two-hour film is judged on its first and last variants' every segment too, but its
# lower rungs would only repeat the same encode: its ladder has one rung anyway.
SLOW = {"twohours.mp4"}


@pytest.fixture(scope="module")
def server(real_library: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("real-library-server")
    media = work / "media"
    media.mkdir()
    for name, path in real_library.items():
        os.symlink(path, media / name)
    data = work / "data"
    token = admin_token(data)
    config = work / "revenge.toml"
    # Every file gets its own session at once here; in a household the cap is 4.
    config.write_text("[playback]\nmax_sessions_per_user = 100\n")
    with Server(work / "run", ["--media", str(media), "--data-dir", str(data),
                               "--config", str(config)], token=token) as running:
        wait_for(lambda: running.get("/api/v1/media?limit=500").json()["total"]
                 == len(real_library), what="the scan", timeout=120)
        yield running


def _item(server: Server, media: Media) -> dict[str, object]:
    items = server.get("/api/v1/media?limit=500").json()["items"]
    return next(i for i in items if i["file"] == media.name)


def _session(server: Server, media_id: object) -> dict[str, object]:
    created = server.post("/api/v1/playback/sessions", {"media_id": media_id})
    assert created.status == 201, created.body
    return dict(created.json())


@pytest.mark.parametrize("media", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_every_file_plays_whole_and_right(server: Server, media: Media) -> None:
    item = _item(server, media)
    assert item["probe_error"] is None
    duration = float(item["duration"])  # type: ignore[arg-type]
    if media.truncated:
        # The header promised 20 s; the bytes hold about 60% of it.
        assert media.duration * 0.45 < duration < media.duration * 0.75, duration
        assert item["truncated"] is True
    else:
        assert abs(duration - media.duration) < 0.1, (duration, media.duration)
    session = _session(server, item["id"])
    assert session["mode"] == "transcode"
    if "aligned-keyframes" in media.features:
        # Cut as it is: the top variant is the source's own bitstream, no encoder.
        top = session["video"][0]  # type: ignore[index]
        assert (top["name"], top["codec"]) == ("source", "copy"), session["video"]
    aspect = media.width / media.height if media.width and media.height else None
    report = check_stream(
        server.url(str(session["master_url"])), expected_duration=duration,
        has_video=media.video_codec is not None, has_audio=media.audio_tracks > 0,
        segment_duration=_grid(media)[0], bootstrap=_grid(media)[1],
        expected_video_range="SDR" if media.video_codec else None,
        expected_aspect=aspect, variants=[0, -1] if media.name in SLOW else None)
    assert report.ok, report
    if media.video_codec is not None:
        for variant in report.variants:
            # Encoded variants say BT.709; a remuxed one keeps the source's (SDR) tags.
            assert variant.transfer not in ("smpte2084", "arib-std-b67"), variant
            if media.transfer != "sdr":
                assert variant.transfer == "bt709", (variant, "tone-mapped, tagged so")
            if aspect is not None and variant.display_aspect is not None:
                assert abs(variant.display_aspect - aspect) / aspect < 0.02, variant
    server.delete(f"/api/v1/playback/sessions/{session['session_id']}")


def _grid(media: Media) -> tuple[float, float]:
    """The segment duration and bootstrap a default server cuts this media with: a copied
    video every 6 s after three 2 s bootstrap segments (its keyframes, every 2 s, were
    checked against both grids), an encoded one every 2 s, sound alone as a copied video."""
    if "aligned-keyframes" in media.features:
        return 6.0, 2.0
    if media.video_codec is not None:
        return 2.0, 0.0
    return 6.0, 2.0


def test_a_truncated_file_never_troubles_a_good_stream(server: Server) -> None:
    bad = _session(server, _item(server, _by_name("truncated.mkv"))["id"])
    good = _session(server, _item(server, _by_name("longgop.mp4"))["id"])
    outcome: list[object] = []
    reader = threading.Thread(target=lambda: outcome.append(check_stream(
        server.url(str(bad["master_url"])), expected_duration=0.0, has_video=True,
        has_audio=True, ffmpeg=True)))
    reader.start()
    report = check_stream(server.url(str(good["master_url"])), expected_duration=30.016,
                          has_video=True, has_audio=True, segment_duration=2.0)
    reader.join(timeout=300)
    assert report.ok, report
    assert http("GET", server.url("/readyz")).status == 200
    metrics = server.get("/metrics").body.decode()
    breaker = {s.labels["state"]: s.value for f in text_string_to_metric_families(metrics)
               for s in f.samples if s.name == "revenge_blackbeard_client_breaker_state"
               and s.labels["blackbeard"] == "embedded"}
    assert breaker == {"closed": 1.0, "open": 0.0, "half_open": 0.0}
    assert "circuit breaker closed -> open" not in server.log()


def _by_name(name: str) -> Media:
    return next(m for m in CATALOGUE if m.name == name)
