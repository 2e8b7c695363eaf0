"""Start-up of a 2-hour film with and without subtitles, through a real ``twistd revenge``.

    .venv/bin/python -m benchmarks.subtitled_start [--hours 2] [--runs 3] [--video-kbps 1000]

Makes the film of ``benchmarks.subtitles`` (``--video-kbps`` 640x360 H.264, AAC, two text
tracks of 600 cues) and the same film without its subtitle tracks, then, each run on a
fresh server (nothing extracted, nothing cached), opens a session on each, at the start and
at the middle (a resumed film), and reports medians of:

- the master playlist answered (seconds after ``POST /api/v1/playback/sessions``);
- the first video segment in hand: what a player needs for its first frame;
- with subtitles, the first WebVTT segment in hand, asked for at the same time as the
  video segment (as hls.js does): it waits for the film's text tracks to be extracted,
  which reads the whole file; the video does not wait for it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import m3u8

from benchmarks.subtitles import make_film
from revenge.ffmpeg import ffmpeg_binary
from tests.server import Server, admin_token, http, wait_for


def _without_subtitles(film: Path) -> Path:
    plain = film.with_name("Plain.mkv")
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-i", str(film), "-map", "0:v", "-map", "0:a", "-c", "copy", str(plain)],
                   check=True)
    return plain


def _timed(fetch: Callable[[], Any], started: float) -> float:
    fetch()
    return time.monotonic() - started


def _get(url: str) -> bytes:
    answer = http("GET", url, timeout=600)
    assert answer.status == 200, (url, answer.status, answer.body[:200])
    return answer.body


def one_start(server: Server, media_id: str, start: float) -> dict[str, float]:
    """Seconds from session creation to the master, the first video segment and (if any)
    the first subtitle segment."""
    started = time.monotonic()
    session = server.post("/api/v1/playback/sessions",
                          {"media_id": media_id, "start_position": start}).json()
    url = server.url(session["master_url"])
    master = m3u8.loads(_get(url).decode())
    times = {"master": time.monotonic() - started}
    variant = urljoin(url, master.playlists[0].uri)
    segments = m3u8.loads(_get(variant).decode()).segments
    index = min(int(start // 6), len(segments) - 1)
    jobs = {"video": lambda: _get(urljoin(variant, segments[index].uri))}
    subtitles = [m for m in master.media if m.type == "SUBTITLES"]
    if subtitles:
        playlist = urljoin(url, subtitles[0].uri)

        def first_cues() -> bytes:
            vtt = m3u8.loads(_get(playlist).decode()).segments
            return _get(urljoin(playlist, vtt[index].uri))

        jobs["subtitles"] = first_cues
    with ThreadPoolExecutor(len(jobs)) as pool:
        waits = {name: pool.submit(_timed, job, started) for name, job in jobs.items()}
        times.update({name: wait.result() for name, wait in waits.items()})
    server.delete(f"/api/v1/playback/sessions/{session['session_id']}")
    return times


def run(work: Path, films: dict[str, Path], runs: int, hours: float) -> None:
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for number in range(runs):
        data = work / f"data-{number}"
        with Server(work / f"run-{number}", ["--media", str(work / "media"),
                                            "--data-dir", str(data)],
                    token=admin_token(data)) as server:
            wait_for(lambda: server.get("/api/v1/media").json()["total"] == len(films),
                     what="the scan", timeout=120)
            ids = {i["file"]: i["id"] for i in server.get("/api/v1/media").json()["items"]}
            for label, film in films.items():
                for where, start in (("start", 0.0), ("middle", hours * 1800)):
                    results.setdefault((label, where), []).append(
                        one_start(server, ids[film.name], start))
    print("| film | from | master (s) | first video segment (s) | first subtitle segment (s) |")
    print("|---|---|---|---|---|")
    for (label, where), samples in results.items():
        def median(key: str, samples: list[dict[str, float]] = samples) -> str:
            values = [s[key] for s in samples if key in s]
            return f"{statistics.median(values):.2f}" if values else "-"
        print(f"| {label} | {where} | {median('master')} | {median('video')} | "
              f"{median('subtitles')} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--video-kbps", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="subtitled-start-") as scratch:
        work = Path(scratch)
        media = work / "media"
        media.mkdir()
        film = make_film(media, hours=args.hours, cues=600, video_kbps=args.video_kbps)
        for made in ("eng.srt", "fre.ass"):  # the tracks are in the film now
            (media / made).unlink()
        films = {"with 2 text tracks": film, "without subtitles": _without_subtitles(film)}
        print(f"{args.hours:g} h films of {film.stat().st_size / 1e6:.0f} MB; "
              f"medians of {args.runs} fresh servers")
        run(work, films, args.runs, args.hours)


if __name__ == "__main__":
    main()
