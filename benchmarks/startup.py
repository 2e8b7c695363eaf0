"""Start and seek as a viewer feels them: hls.js in headless Chromium against ``twistd revenge``.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.startup [--runs 5] [--work DIR]

Needs node, Debian's Chromium (``/usr/bin/chromium`` or ``$CHROMIUM``) and the browser
test's npm packages (``npm ci`` in ``tests/browser``). Makes (or reuses, in ``--work``) a
60 s 640x360 H.264/AAC clip that Revenge remuxes and a 120 s noisy 8 Mbit/s 1080p film,
then, each run on a fresh server (nothing encoded, nothing cached), plays in the browser
(``benchmarks/startup.mjs``), after an untimed warm-up play of a 2 s stream the page serves
itself (a cold Chromium's first play costs it 0.1-0.3 s more, whoever serves the stream, and
the server under test sees none of it) and one API request (the library page a viewer clicks
play on has talked to the server already):

- the clip, remuxed (profile ``source``): time to first frame;
- the film, transcoded to 480p (profile ``480p``): time to first frame, then, after a
  second of playback, a seek to 60 %: time to playing again.

Reports medians (and the spread) in seconds next to the targets of issue 15, and how many
encoders the server started per run ("transcode X Y: encoder <reason> at segment N" lines).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from revenge.ffmpeg import ffmpeg_binary
from tests.media import make_clip
from tests.server import Server, admin_token, wait_for

HERE = Path(__file__).parent
TARGETS = {("remux", "first_frame"): 0.5, ("480p", "first_frame"): 1.0,
           ("480p", "seek_to_playing"): 1.0}
_ENCODER = re.compile(r"encoder (\w+) at segment (\d+)")


def make_film(path: Path, seconds: int) -> Path:
    """A noisy 1080p H.264 film at about 8 Mbit/s (noise keeps the decoder honest), with AAC."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mkv")
    subprocess.run([
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds},"
                             "noise=alls=12:allf=t",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate", "8M",
        "-bufsize", "16M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
        str(partial)], check=True, timeout=1800)
    partial.rename(path)
    return path


def make_warmup(work: Path) -> Path:
    """A 2 s stream the browser plays once, untimed, from its own route before the timed
    plays: Chromium's media stack starts cold once per browser, whoever serves the stream."""
    warm = work / "warm"
    if not (warm / "index.m3u8").exists():
        warm.mkdir(parents=True, exist_ok=True)
        subprocess.run([
            ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", str(warm / "index.m3u8")],
            check=True, timeout=120)
    return warm


def make_media(work: Path) -> Path:
    """The library folder: the remuxable clip and the 1080p film."""
    media = work / "media"
    clip = media / "Clip.mp4"
    if not clip.exists():
        make_clip(clip, seconds=60, width=640, height=360)
    make_film(media / "Film.mkv", 120)
    return media


def one_run(work: Path, media: Path, warm: Path,
            run: int) -> tuple[dict[str, dict[str, float]], list[str]]:
    """One fresh server, the browser's timings and the encoder starts it logged."""
    fresh = Path(tempfile.mkdtemp(prefix=f"run{run}-", dir=work))
    data = fresh / "data"
    token = admin_token(data, "viewer")
    with Server(fresh / "run", ["--media", str(media), "--data-dir", str(data)],
                token=token) as server:
        items = wait_for(lambda: (lambda i: i if len(i) == 2 else None)(
            server.get("/api/v1/media").json()["items"]), what="the scan", timeout=120)
        ids = {item["title"]: item["id"] for item in items}
        clip, film = ids["Clip"], ids["Film"]
        plays = [{"label": "remux", "media_id": clip, "profile": "source"},
                 {"label": "480p", "media_id": film, "profile": "480p", "seek": 0.6}]
        done = subprocess.run(
            ["node", str(HERE / "startup.mjs"),
             json.dumps({"base": server.base, "token": token, "plays": plays,
                                     "warm": str(warm)})],
            capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the browser run failed:\n{done.stdout}\n{done.stderr}")
        log = server.log()
    results: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    starts = [f"{m.group(1)}@{m.group(2)}" for m in _ENCODER.finditer(log)]
    return results, starts


def report(runs: list[dict[str, dict[str, float]]], starts: list[list[str]]) -> None:
    """Medians and ranges next to the targets."""
    print(f"{len(runs)} runs, {os.cpu_count()} cores; seconds: median (min-max)")
    keys = sorted({(label, metric) for r in runs for label, m in r.items() for metric in m})
    for label, metric in keys:
        values = [r[label][metric] for r in runs if metric in r.get(label, {})]
        target = TARGETS.get((label, metric))
        goal = f"  target <= {target:.1f}" if target is not None else ""
        print(f"  {label:6} {metric:16} {statistics.median(values):6.3f} "
              f"({min(values):.3f}-{max(values):.3f}){goal}")
    for number, started in enumerate(starts, start=1):
        print(f"  run {number} encoder starts: {' '.join(started)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the media here between invocations")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="revenge-startup-"))
    media = make_media(work)
    warm = make_warmup(work)
    results: list[dict[str, Any]] = []
    starts: list[list[str]] = []
    for run in range(args.runs):
        timings, started = one_run(work, media, warm, run)
        results.append(timings)
        starts.append(started)
        print(f"run {run + 1}: {json.dumps(timings)}", flush=True)
    report(results, starts)


if __name__ == "__main__":
    main()
