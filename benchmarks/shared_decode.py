"""What encoding costs: two profiles of one source beside one, and concurrent transcodes
through Revenge beside the same jobs run by hand.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.shared_decode [--work DIR] [--streams 4]

Uses a 30 s noisy 8 Mbit/s 1080p H.264/AAC film (made once, kept in ``--work``):

- **CPU of two profiles**: the embedded transcoder (in this process, the film served over
  loopback HTTP with Range), 480p alone, then 480p and 360p of one transcode, every segment
  of each asked for in order as fast as it is made (the players of two viewers); the CPU
  of the ffmpeg children (``getrusage``) per transcode, per stream-second, and the ratio
  two / one (issue 15's target: at most 1.35).
- **Density**: ``--streams`` copies of the film (separate media: nothing shared) through a
  real ``twistd revenge``, one session each at ``profile=480p``, every video and audio
  segment fetched as fast as made, all at once; beside the same number of ffmpeg jobs
  run by hand at once (1080p -> 480p H.264 veryfast at the profile's bitrate, AAC; to
  MPEG-TS files). Reports the wall time of each and the throughput ratio, Revenge / hand
  (target: at least 0.95); and one hand job alone, times ``--streams``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import m3u8
import treq
from twisted.internet import task
from twisted.internet.defer import Deferred, gatherResults
from twisted.web.resource import Resource
from twisted.web.server import Site
from twisted.web.static import File

from benchmarks.startup import make_film
from revenge.ffmpeg import ffmpeg_binary
from revenge.playback.cadence import Cadence
from revenge.transcoder import make_transcoder_service
from tests.server import Server, admin_token, http, wait_for

SECONDS = 30
D = Cadence().encoded  # how a default server cuts a transcode whose videos are all encoded
SOURCE = {"duration": float(SECONDS),
          "video": {"index": 0, "codec": "h264", "codec_string": "avc1.640028", "width": 1920,
                    "height": 1080, "frame_rate": 25.0},
          "audio": [{"index": 1, "codec": "aac", "codec_string": "mp4a.40.2", "channels": 2,
                     "channel_layout": "stereo", "sample_rate": 48000}]}
P480: dict[str, Any] = {"name": "480p", "width": 854, "height": 480, "bitrate": 1_400_000}
P360: dict[str, Any] = {"name": "360p", "width": 640, "height": 360, "bitrate": 800_000}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _segments(base: str, tid: str, profile: str, count: int) -> None:
    """Every segment of ``profile``, in order, each as soon as it is made."""
    for index in range(count):
        while True:
            response = await treq.get(f"{base}/api/v1/transcodes/{tid}/{profile}/{index}.ts")
            body = await response.content()
            if response.code == 200:
                break
            if response.code != 503:
                raise RuntimeError(f"{profile}/{index}: {response.code} {body[:200]!r}")


async def _profiles_cpu(reactor: Any, film: Path, work: Path) -> dict[str, float]:
    """One pair: 480p alone, then 480p and 360p of one transcode."""
    root = Resource()
    root.putChild(b"film.mkv", File(str(film)))
    port = reactor.listenTCP(0, Site(root), interface="127.0.0.1")
    source = f"http://127.0.0.1:{port.getHost().port}/film.mkv"
    service, url = make_transcoder_service(work_dir=work / "transcodes",
                                           ffmpeg=ffmpeg_binary(), reactor=reactor)
    service.startService()  # type: ignore[no-untyped-call]
    base = await url
    cpu: dict[str, float] = {}
    try:
        for label, profiles in (("one", [P480]), ("two", [P480, P360])):
            before = _children_cpu()
            body = {"source_url": source, "source": SOURCE, "segment_duration": D,
                    "video": profiles, "audio": []}
            created = await treq.post(f"{base}/api/v1/transcodes",
                                      data=json.dumps(body).encode())
            tid = (await created.json())["id"]
            await gatherResults([Deferred.fromCoroutine(
                _segments(base, tid, p["name"], int(SECONDS // D))) for p in profiles])
            await treq.delete(f"{base}/api/v1/transcodes/{tid}")  # every child reaped
            cpu[label] = _children_cpu() - before
    finally:
        await service.stopService()
        await port.stopListening()
    return cpu


def profiles_cpu(film: Path, work: Path, runs: int) -> list[dict[str, float]]:
    """CPU seconds of the ffmpeg children for one profile, and for two of one source, in
    each of ``runs`` pairs (one reactor run: a reactor does not restart)."""
    result: list[dict[str, float]] = []

    async def main(reactor: Any) -> None:
        for _ in range(runs):
            result.append(await _profiles_cpu(reactor, film, work))

    try:
        task.react(lambda reactor: Deferred.fromCoroutine(main(reactor)))
    except SystemExit as done:
        if done.code:
            raise
    return result


def _play(server: Server, media_id: str) -> None:
    session = server.post("/api/v1/playback/sessions",
                          {"media_id": media_id, "profile": "480p"}).json()
    base = server.url(session["master_url"].rsplit("/", 1)[0])
    token = session["master_url"].split("?t=")[1]

    def every_segment(rendition: str) -> None:
        playlist = http("GET", f"{base}/{rendition}/index.m3u8?t={token}", timeout=60)
        for segment in m3u8.loads(playlist.body.decode()).segments:
            _get(f"{base}/{rendition}/{segment.uri}")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(every_segment, ("480p", "audio-0")))
    server.delete(f"/api/v1/playback/sessions/{session['session_id']}")


def _get(url: str) -> None:
    answer = http("GET", url, timeout=600)
    assert answer.status == 200, (url, answer.status, answer.body[:200])


def through_revenge(work: Path, films: list[Path]) -> float:
    """Seconds for one 480p session on each film at once through ``twistd revenge``."""
    fresh = Path(tempfile.mkdtemp(prefix="density-", dir=work))
    media = fresh / "media"
    media.mkdir()
    for number, film in enumerate(films):
        os.link(film, media / f"Film {number}.mkv")
    config = fresh / "revenge.toml"
    config.write_text(f"[blackbeard]\nmax_encoders = {2 * len(films)}\n"
                      f"[playback]\nmax_sessions_per_user = {len(films)}\n")
    token = admin_token(fresh / "data", "viewer")
    with Server(fresh / "run", ["--media", str(media), "--data-dir", str(fresh / "data"),
                                "--config", str(config)], token=token) as server:
        items = wait_for(lambda: (lambda i: i if len(i) == len(films) else None)(
            server.get("/api/v1/media").json()["items"]), what="the scan", timeout=120)
        started = time.monotonic()
        with ThreadPoolExecutor(len(items)) as pool:
            list(pool.map(lambda item: _play(server, item["id"]), items))
        return time.monotonic() - started


def _hand_job(film: Path, out: Path) -> list[str]:
    bitrate = str(P480["bitrate"])
    return [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-i", str(film), "-map", "0:v", "-map", "0:a", "-vf", "scale=854:480",
            "-c:v", "libx264", "-preset", "veryfast", "-threads", "2", "-b:v", bitrate,
            "-maxrate", bitrate, "-bufsize", bitrate, "-bf", "0", "-c:a", "aac", "-b:a",
            "128k", "-ac", "2", "-f", "mpegts", str(out)]


def by_hand(work: Path, films: list[Path]) -> float:
    """Seconds for the same encodes as plain ffmpeg processes, all at once."""
    started = time.monotonic()
    jobs = [subprocess.Popen(_hand_job(film, work / f"hand{n}.ts"))
            for n, film in enumerate(films)]
    for job in jobs:
        if job.wait() != 0:
            raise RuntimeError("a hand-run ffmpeg failed")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="runs of each part (medians)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="revenge-decode-"))
    film = make_film(work / "films" / "Film30.mkv", SECONDS)
    films = [film] * args.streams
    print(f"{SECONDS} s noisy 1080p film, {D:.0f} s segments, {os.cpu_count()} cores")
    pairs = profiles_cpu(film, work, args.runs)
    one = statistics.median(p["one"] for p in pairs)
    two = statistics.median(p["two"] for p in pairs)
    ratios = [p["two"] / p["one"] for p in pairs]
    ratio = statistics.median(ratios)
    print(f"  CPU, 480p alone:        {one:6.2f} s ({one / SECONDS:.3f} s per stream-second)")
    print(f"  CPU, 480p + 360p:       {two:6.2f} s ({two / (2 * SECONDS):.3f} s per "
          f"stream-second); two / one = {ratio:.2f} (target <= 1.35; "
          f"each run: {', '.join(f'{r:.2f}' for r in ratios)})")
    revenge, hand = [], []
    for _ in range(args.runs):
        revenge.append(through_revenge(work, films))
        hand.append(by_hand(work, films))
    alone = by_hand(work, films[:1])
    r, h = statistics.median(revenge), statistics.median(hand)
    # Run by run (each Revenge run beside the hand run after it): the machine's speed
    # drifts more between runs than within one pair.
    paired = [b / a for a, b in zip(revenge, hand, strict=True)]
    print(f"  density, {args.streams} x 480p through Revenge: {r:6.2f} s; by hand at once: "
          f"{h:6.2f} s; throughput Revenge / hand = {statistics.median(paired):.2f} "
          f"(target >= 0.95; each run: {', '.join(f'{x:.2f}' for x in paired)})")
    print(f"  one hand job alone: {alone:.2f} s (x {args.streams} = "
          f"{alone * args.streams:.2f} s; Revenge / that = {alone * args.streams / r:.2f})")
    for leftover in work.glob("density-*"):
        shutil.rmtree(leftover, ignore_errors=True)


if __name__ == "__main__":
    main()
