"""The embedded transcoder: time to the first segment, and encode speed.

    .venv/bin/python -m benchmarks.transcoder_startup [--seconds 60] [--threads 2]

Makes a 720p H.264/AAC clip (keyframe every second), serves it over loopback HTTP with
Range support (as Revenge's ``/internal/stream`` does), starts the transcoder in-process
and, for a remux (``copy``) and a 360p transcode, measures:

- first segment: from ``POST /api/v1/transcodes`` to ``0.ts`` answered;
- seek: from a fresh ``POST`` to a segment in the middle answered (ffmpeg starts there);
- speed: every segment fetched in order as fast as it is made, media seconds / wall seconds.

6 s segments, ``-preset veryfast``, the ffmpeg imageio-ffmpeg ships.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import treq
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.web.resource import Resource
from twisted.web.server import Site
from twisted.web.static import File

from revenge.ffmpeg import ffmpeg_binary
from revenge.transcoder import make_transcoder_service
from tests.media import make_clip

PROFILES: dict[str, dict[str, Any]] = {
    "remux 720p (copy)": {"name": "source", "height": 720, "video_bitrate": 2_800_000,
                          "audio_bitrate": 128_000, "video_codec": "copy",
                          "audio_codec": "copy"},
    "transcode 360p": {"name": "360p", "height": 360, "video_bitrate": 800_000,
                       "audio_bitrate": 96_000},
}
D = 6.0


async def _segment(base: str, tid: str, profile: str, index: int) -> float:
    """Fetch one segment (retrying a 503) and return when it arrived (monotonic)."""
    while True:
        response = await treq.get(f"{base}/api/v1/transcodes/{tid}/{profile}/{index}.ts")
        body = await response.content()
        if response.code == 200:
            return time.monotonic()
        if response.code != 503:
            raise RuntimeError(f"segment {index}: {response.code} {body[:200]!r}")


async def _create(base: str, source: str, profile: dict[str, Any], seconds: float) -> str:
    body = {"source_url": source, "duration": seconds, "segment_duration": D,
            "profiles": [profile]}
    response = await treq.post(f"{base}/api/v1/transcodes", data=json.dumps(body).encode())
    tid: str = (await response.json())["id"]
    return tid


async def run(reactor: Any, seconds: float, threads: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bb-bench-"))
    clip = make_clip(work / "clip720.mp4", seconds=seconds, width=1280, height=720)
    root = Resource()
    root.putChild(b"clip.mp4", File(str(clip)))
    port = reactor.listenTCP(0, Site(root), interface="127.0.0.1")
    source = f"http://127.0.0.1:{port.getHost().port}/clip.mp4"
    service, url = make_transcoder_service(work_dir=work / "transcodes", ffmpeg=ffmpeg_binary(),
                                           reactor=reactor, threads=threads)
    service.startService()  # type: ignore[no-untyped-call]
    base = await url
    count = int(seconds // D)
    print(f"{seconds:.0f} s 1280x720 clip, {D:.0f} s segments, {threads} ffmpeg threads, "
          f"{os.cpu_count()} cores")
    try:
        for label, profile in PROFILES.items():
            started = time.monotonic()
            tid = await _create(base, source, profile, seconds)
            first = await _segment(base, tid, profile["name"], 0) - started
            for index in range(1, count):
                last = await _segment(base, tid, profile["name"], index)
            speed = seconds / (last - started)
            await treq.delete(f"{base}/api/v1/transcodes/{tid}")
            started = time.monotonic()
            tid = await _create(base, source, profile, seconds)
            seek = await _segment(base, tid, profile["name"], count // 2) - started
            await treq.delete(f"{base}/api/v1/transcodes/{tid}")
            print(f"{label:20s} first segment {first * 1000:6.0f} ms   seek to segment "
                  f"{count // 2} {seek * 1000:6.0f} ms   encode speed {speed:5.1f}x realtime")
    finally:
        await service.stopService()
        await port.stopListening()
        clip.unlink()
        clip.parent.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    task.react(lambda reactor: Deferred.fromCoroutine(
        run(reactor, options.seconds, options.threads)))


if __name__ == "__main__":
    main()
