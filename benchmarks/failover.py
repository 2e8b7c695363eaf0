"""What the failover benchmarks share: a player that times each segment index (the first
variant's segment and the audio rendition's together) around a SIGKILL, and their runs."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import m3u8

from tests.media import make_clip
from tests.server import http


def segment_urls(base: str, master_url: str) -> list[tuple[str, str]]:
    """(video, audio) segment URLs of each index: the first variant and the audio rendition."""
    master = m3u8.loads(http("GET", base + master_url).body.decode(),
                        uri=base + master_url.rsplit("/", 1)[0] + "/")
    audio = next(m for m in master.media if m.type == "AUDIO")
    lists = []
    for uri in (master.playlists[0].absolute_uri, audio.absolute_uri):
        media = m3u8.loads(http("GET", uri).body.decode(), uri=uri.rsplit("/", 1)[0] + "/")
        lists.append([s.absolute_uri for s in media.segments])
    return list(zip(lists[0], lists[1], strict=True))


def play_through(pairs: list[tuple[str, str]], kill_at: int,
                 kill: Callable[[], object]) -> dict[str, float]:
    """Fetch every index in order, ``kill()`` before index ``kill_at``; the median segment
    time before, the next one after (the one that paid for the move), the slowest after and
    the median of the rest, in ms."""
    times = []
    for index, urls in enumerate(pairs):
        if index == kill_at:
            kill()
        started = time.monotonic()
        for url in urls:
            answer = http("GET", url, timeout=120)
            if answer.status != 200:
                raise RuntimeError(f"segment {index}: {answer.status}")
        times.append(time.monotonic() - started)
    before, after = times[1:kill_at], times[kill_at:]
    return {"median_before_ms": round(statistics.median(before) * 1000, 1),
            "next_after_ms": round(after[0] * 1000, 1),
            "slowest_after_ms": round(max(after) * 1000, 1),
            "median_after_ms": round(statistics.median(after[1:]) * 1000, 1)}


def main(description: str, run: Callable[[Path, Path, int], dict[str, Any]]) -> None:
    """Parse ``--runs --seconds --kill-at``, make the clip, and print each run and medians."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--kill-at", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revenge-failover-") as scratch:
        clip = make_clip(Path(scratch) / "clip.mp4", seconds=options.seconds, width=640,
                         height=360)
        results = []
        for n in range(options.runs):
            work = Path(scratch) / f"run{n}"
            work.mkdir()
            results.append(run(work, clip, options.kill_at))
            print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"runs": options.runs} | {
        f"{key}_median": statistics.median(r[key] for r in results)
        for key in ("median_before_ms", "next_after_ms", "slowest_after_ms")}))
