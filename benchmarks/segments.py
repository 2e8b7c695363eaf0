"""Segment delivery from the cache: 200 paced players, then saturation, beside nginx.

    .venv/bin/python -m benchmarks.segments [--players 200] [--seconds 4] [--rounds 5]
        [--before CHECKOUT]

Makes a 60 s 720p clip whose 6 s segments are about 2 MiB, starts ``twistd revenge``
(server pinned to core 0, clients to core 1; no background artwork), plays it once to fill
the transcode cache, then:

1. paced: ``--players`` players, each with its own session, fetch 3 segments at once and
   then one every 6 s (real time), counting failed and stalled (> 6 s) fetches, and
   Revenge's RSS per active session;
2. saturation: 32 connections fetch cached segments back to back for ``--seconds``:
   segments/s, MB/s, p50/p99 latency and server CPU seconds per GB; in turns with nginx
   serving the same segment files from disk, when nginx is installed (``apt-get install
   nginx-light``), ``--rounds`` each, and the medians of the round-by-round ratios.

``--before`` names another checkout (``git worktree add /tmp/before HEAD~3``): a second
server of that code goes through the same steps, and its rounds are interleaved with this
one's and nginx's, so that a before/after is measured under the same machine's weather.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import attrs
import m3u8

from benchmarks.httpload import Connection, cpu_seconds, hammer, rss_bytes
from revenge.ffmpeg import ffmpeg_binary
from tests.server import Server, admin_token, http, wait_for

SERVER_CORE, CLIENT_CORE = "0", "1"


def make_clip(path: Path) -> Path:
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=60",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2600k", "-maxrate", "2600k",
         "-bufsize", "2600k", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
         str(path)], check=True)
    return path


def session_urls(server: Server, media_id: str) -> list[str]:
    """Open a session on the remuxed source profile; the URLs of its segments (paths)."""
    created = server.post("/api/v1/playback/sessions", {"media_id": media_id,
                                                         "profile": "source"}).json()
    master_url = created["master_url"]
    base = master_url.rsplit("/", 1)[0] + "/"
    token = master_url.split("?")[1]
    media = m3u8.loads(http("GET", server.url(f"{base}source/index.m3u8?{token}")).body.decode())
    return [f"{base}source/{s.uri}" for s in media.segments]


def paced(server: Server, media_id: str, players: int, seconds: float) -> None:
    sessions = [session_urls(server, media_id) for _ in range(players)]
    assert server.process is not None
    rss_before = rss_bytes(server.process.pid)
    failures = stalls = fetched = 0
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.monotonic() + 1.0

    def player(urls: list[str]) -> None:
        nonlocal failures, stalls, fetched
        connection = Connection("127.0.0.1", server.port)
        for n, url in enumerate(urls):
            due = start + max(0, n - 2) * 6.0  # a burst of 3, then real time
            if due - start > seconds:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            began = time.perf_counter()
            try:
                status, _, _ = connection.get(url)
            except OSError:
                status = 0
                connection.close()
            took = time.perf_counter() - began
            with lock:
                fetched += 1
                latencies.append(took)
                failures += status != 200
                stalls += took > 6.0
        connection.close()

    threads = [threading.Thread(target=player, args=(urls,)) for urls in sessions]
    for t in threads:
        t.start()
    time.sleep(2.0)
    rss_during = rss_bytes(server.process.pid)
    for t in threads:
        t.join()
    ms = sorted(x * 1000 for x in latencies)
    print(f"paced: {players} players, {fetched} segments, {failures} failed, {stalls} stalled; "
          f"latency p50 {statistics.median(ms):.1f} ms, p99 {ms[int(len(ms) * 0.99) - 1]:.1f} ms;"
          f" RSS +{(rss_during - rss_before) / players / 1024:.0f} KiB per active session")


def saturate(name: str, port: int, paths: list[str], pid: int,
             seconds: float) -> tuple[float, float]:
    """32 connections on ``paths`` for ``seconds``: printed, and (segments/s, CPU-s/GB)."""
    cpu_before = cpu_seconds(pid)
    result = hammer("127.0.0.1", port, lambda n: paths[n % len(paths)], connections=32,
                    seconds=seconds)
    cpu = cpu_seconds(pid) - cpu_before
    gb = result.bytes / 1e9
    rate, per_gb = len(result.latencies) / result.seconds, cpu / gb if gb else 0.0
    print(f"{name:>8}: {rate:7.0f} segments/s "
          f"{gb / result.seconds * 1000:7.0f} MB/s  p50 {result.percentile(0.5) * 1000:6.1f} ms"
          f"  p99 {result.percentile(0.99) * 1000:6.1f} ms  {per_gb:.2f} CPU-s/GB"
          f"  failures {result.failures}")
    return rate, per_gb


@attrs.frozen
class Contender:
    """A server under saturation: its name, port, segment paths and pid."""

    name: str
    port: int
    paths: list[str]
    pid: int


def side_by_side(ours: list[Contender], segments: Path, work: Path,
                 args: argparse.Namespace) -> None:
    """Each of ``ours`` (this checkout; the ``--before`` one first, if any) and nginx in
    turns, ``--rounds`` each; the medians of the round-by-round ratios (the machine's speed
    drifts more between rounds than within one)."""
    started = nginx(segments, work)
    if started is None:
        print("   nginx: not installed (apt-get install nginx-light)")
        for contender in ours:
            saturate(contender.name, contender.port, contender.paths, contender.pid,
                     args.seconds)
        return
    process, port = started
    theirs = Contender("nginx", port, [f"/{n}.ts" for n in range(len(ours[0].paths))],
                       process.pid)
    ratios: dict[str, list[tuple[float, float]]] = {c.name: [] for c in ours}
    try:
        for _ in range(args.rounds):
            figures = {c.name: saturate(c.name, c.port, c.paths, c.pid, args.seconds)
                       for c in [*ours, theirs]}
            for contender in ours:
                mine, yardstick = figures[contender.name], figures["nginx"]
                ratios[contender.name].append((mine[0] / yardstick[0],
                                               mine[1] / yardstick[1]))
    finally:
        process.terminate()
        process.wait()
    for name, pairs in ratios.items():
        print(f"{name} / nginx, median of {args.rounds} rounds: segments/s "
              f"{statistics.median(r for r, _ in pairs):.2f} (target >= 0.9), CPU-s/GB "
              f"{statistics.median(c for _, c in pairs):.2f} (target <= 1.2)")


def nginx(root: Path, work: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                       else None)
    if binary is None:
        return None
    from tests.server import free_port

    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(f"""
worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err;
user root;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    process = subprocess.Popen(["taskset", "-c", SERVER_CORE, binary, "-c", str(conf)])
    def answering() -> bool:
        try:
            return http("GET", f"http://127.0.0.1:{port}/0.ts", timeout=1).status == 200
        except OSError:
            return False

    wait_for(answering, what="nginx")
    return process, port


def server_of(work: Path, media: Path, name: str, args: argparse.Namespace,
              checkout: str | None = None) -> Server:
    """A ``twistd revenge`` (to start) on the server's core, of this checkout or of
    ``checkout``."""
    data = work / f"data-{name}"
    token = admin_token(data)
    config = work / f"{name}.toml"
    # No posters or previews: their niced ffmpeg would share the server's core (and
    # its CPU count) with the deliveries measured here. No bootstrap segments: every
    # segment is 6 s (~2 MiB), in this checkout and an older one alike.
    config.write_text(f"[playback]\nmax_sessions_per_user = {args.players + 10}\n"
                      "bootstrap_duration = 0.0\n[artwork]\nbackground = false\n")
    server = Server(work / f"run-{name}", ["--media", str(media), "--data-dir", str(data),
                                           "--config", str(config)], token=token)
    # env's PYTHONPATH wins over the one Server gives; env and taskset exec in place.
    within = ["env", f"PYTHONPATH={Path(checkout).resolve()}"] if checkout else []
    server.args = [*within, "taskset", "-c", SERVER_CORE, *server.args]
    return server


def warmed(server: Server) -> tuple[str, list[str]]:
    """The media's id and a session's segment paths, once every segment is cached."""
    wait_for(lambda: server.get("/api/v1/media").json()["total"] == 1, what="scan")
    media_id = server.get("/api/v1/media").json()["items"][0]["id"]
    warm = session_urls(server, media_id)
    for url in warm:
        http("GET", server.url(url), timeout=120)
    return media_id, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--paced-seconds", type=float, default=30.0)
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="another checkout of Revenge (a git worktree of the previous "
                             "state) measured in the same rounds, for a before/after")
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as servers:
        work = Path(tmp)
        media = work / "media"
        media.mkdir()
        make_clip(media / "film.mp4")
        runs = [("before", args.before)] if args.before else []
        ours = []
        for name, checkout in [*runs, ("revenge", None)]:
            server = servers.enter_context(server_of(work, media, name, args, checkout))
            media_id, warm = warmed(server)
            print(f"{name}:")
            paced(server, media_id, args.players, args.paced_seconds)
            assert server.process is not None
            ours.append(Contender(name, server.port, warm, server.process.pid))
        segments = work / "segments"
        segments.mkdir()
        for n, url in enumerate(ours[-1].paths):
            (segments / f"{n}.ts").write_bytes(http("GET", server.url(url), timeout=120).body)
        sizes = [p.stat().st_size for p in segments.iterdir()]
        print(f"segments: {len(sizes)}, mean {statistics.mean(sizes) / 2**20:.2f} MiB")
        side_by_side(ours, segments, work, args)


if __name__ == "__main__":
    main()
