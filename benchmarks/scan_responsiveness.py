"""Does a big library scan keep the reactor free? ``/healthz`` latency during a 2,000-file scan.

    .venv/bin/python -m benchmarks.scan_responsiveness [--files 2000]

Generates tiny real media files (one ffmpeg clip copied under 2,000 names, so each is
probed), starts ``twistd revenge`` on them, polls ``/healthz`` every 10 ms from a second
thread for the whole scan, and reports the scan time and the health latencies.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.media import make_clip
from tests.server import Server, admin_token, http, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clip = make_clip(work / "clip.mp4", seconds=0.5, width=64, height=48)
        media = work / "media"
        for n in range(args.files):
            folder = media / f"dir{n // 100:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(clip, folder / f"clip{n:05d}.mp4")
        token = admin_token(work / "data")
        server = Server(work / "run", ["--media", str(media), "--data-dir", str(work / "data")],
                        token=token)
        latencies: list[float] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                started = time.perf_counter()
                assert http("GET", server.url("/healthz"), timeout=5).status == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

        with server:
            poller = threading.Thread(target=poll)
            poller.start()
            started = time.monotonic()
            wait_for(lambda: (last := server.get("/api/v1/library/scan").json()["last"])
                     and last["probed"] == args.files, timeout=600, what="the scan")
            scan_seconds = time.monotonic() - started
            done.set()
            poller.join()
        ms = sorted(x * 1000 for x in latencies)
        print(f"files scanned and probed: {args.files} in {scan_seconds:.1f} s "
              f"({args.files / scan_seconds:.0f} files/s)")
        print(f"/healthz during the scan: {len(ms)} requests, "
              f"median {statistics.median(ms):.1f} ms, "
              f"p99 {ms[int(len(ms) * 0.99) - 1]:.1f} ms, max {ms[-1]:.1f} ms")
        print("target: every /healthz within 100 ms:", "MET" if ms[-1] < 100 else "MISSED")


if __name__ == "__main__":
    main()
