"""The internal listener (twisted.web over the zero-copy transport) beside nginx, on
Blackbeard's real access pattern.

    .venv/bin/python -m benchmarks.internal_http [--rounds 3] [--seconds 6] [--readers 4]

Needs (Debian): ``apt-get install -y wrk nginx-light`` (wrk for the short ranges; without
nginx its column is left out). Each server runs alone, pinned to one core (``taskset``), the
clients (and ffmpeg) to another; Revenge is the real ``twistd revenge`` of this checkout.
The media is an MP4 made by ffmpeg (moov at the end, as ffmpeg writes it: a reader seeks to
it and back), about ``--megabytes`` large. Servers take turns round by round. Reported,
medians of ``--rounds``:

1. Blackbeard's reads: ``--readers`` clients each open a connection, ask ``bytes=N-``, take
   4-64 MiB (an encoder running ahead) and hang up (the encoder paused), then reconnect
   where they stopped, or at a random offset one time in three (a seek): GB/s, the server's
   CPU seconds per GB, and the p99 time to the response head;
2. ffmpeg itself reading the file over HTTP (``-c copy -f null``; three requests: the
   start, the moov at the end, the start again), one and ``--ffmpegs`` at once: wall
   seconds and the server's CPU seconds per GB read;
3. 64 connections asking for random 64 KiB ranges (wrk): requests/s and p99 latency.

This benchmark chose the internal listener's HTTP (issue 13). Measured with a hidden switch
between twisted.web and the hand-written HTTP/1.1 it replaced (``revenge/files/fastpath.py``,
since deleted), 1.0 GB file, 2 cores, medians of 5 rounds:

| measure | twisted.web | hand-written | nginx |
|---|---|---|---|
| 4 Blackbeard readers: GB/s | 3.66 | 3.75 | 4.10 |
| 4 Blackbeard readers: server CPU-s per GB | 0.194 | 0.189 | 0.172 |
| 4 Blackbeard readers: p99 ms to the head | 17.3 | 15.5 | 7.8 |
| 1 ffmpeg -c copy: wall s | 0.75 | 0.71 | 0.68 |
| 4 ffmpegs at once: wall s | 2.27 | 2.26 | 2.31 |
| 4 ffmpegs: server CPU-s per GB | 0.168 | 0.189 | 0.166 |
| 64 KiB ranges, 64 conns: req/s | 5,184 | 8,138 | 30,885 |
| 64 KiB ranges: p99 ms | 36.1 | 19.8 | 2.3 |

On Blackbeard's pattern the two are within noise of each other; the hand-written one wins
only on short ranges, which Blackbeard does not make. So twisted.web serves it.

Short ranges then answered 30 % fewer requests than the hand-written listener had. Now a
plain read (an unconditional GET over keep-alive: Blackbeard's, wrk's) is answered from the
parsed head without a twisted.web ``Request`` (``revenge.api.direct``); twisted.web still
reads and answers every other request. Run in turns with the checkout before (c3452dd), on
a slower day than the table above (medians of 3 rounds):

| measure | before | direct reads | nginx |
|---|---|---|---|
| 4 Blackbeard readers: GB/s | 2.60 | 2.59 | 2.86-2.90 |
| 4 Blackbeard readers: server CPU-s per GB | 0.358 | 0.360 | 0.238-0.245 |
| 4 ffmpegs: server CPU-s per GB | 0.760 | 0.599 | 0.283-0.290 |
| 64 KiB ranges, 64 conns: req/s | 4,265 | 5,629 | 24,718-26,067 |
| 64 KiB ranges: p99 ms | 25.0 | 17.7 | 3.0-3.3 |
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from benchmarks.httpload import cpu_seconds
from benchmarks.range_serving import (
    CLIENT_CORE,
    TOKEN,
    TWISTD,
    Server,
    free_port,
    nginx_command,
    ranges_wrk,
    read_head,
    revenge_data,
    running,
    take_client_core,
)
from revenge.ffmpeg import ffmpeg_binary
from revenge.library.scan import media_id

FILE = "film.mp4"
MiB = 1 << 20


@attrs.define
class Row:
    """What one server measured (medians)."""

    reads_gbps: float = float("nan")
    reads_cpu_per_gb: float = float("nan")
    reads_head_p99_ms: float = float("nan")
    reads_requests: float = 0
    ffmpeg_seconds: float = float("nan")
    ffmpeg_cpu_per_gb: float = float("nan")
    ffmpegs_seconds: float = float("nan")
    ffmpegs_cpu_per_gb: float = float("nan")
    rps: float = float("nan")
    p99_ms: float = float("nan")
    errors: float = 0


def make_media(path: Path, megabytes: int) -> int:
    """An MP4 of about ``megabytes``: 20 s of 720p MPEG-4 and AAC, looped by stream copy."""
    ffmpeg = ffmpeg_binary(None)
    piece = path.with_name("piece.mp4")
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", "20", "-c:v", "mpeg4",
                    "-q:v", "1", "-c:a", "aac", "-shortest", str(piece)], check=True)
    loops = max(0, megabytes * MiB // piece.stat().st_size - 1)
    subprocess.run([ffmpeg, "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(piece),
                    "-c", "copy", str(path)], check=True)
    piece.unlink()
    return path.stat().st_size


def range_request(path: str, start: int) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Revenge-Internal-Token: {TOKEN}\r\n"
            f"Range: bytes={start}-\r\n\r\n").encode()


@attrs.define
class Reads:
    """What Blackbeard-like readers did."""

    bytes: int = 0
    requests: int = 0
    heads: list[float] = attrs.field(factory=list)


def reader(server: Server, size: int, deadline: float, seed: int, out: Reads,
           lock: threading.Lock) -> None:
    """Long ``bytes=N-`` reads, a hang-up after each, a seek one time in three."""
    rng = random.Random(seed)
    view = memoryview(bytearray(4 * MiB))
    offset = rng.randrange(size)
    while time.monotonic() < deadline:
        want = min(rng.randint(4, 64) * MiB, size - offset)
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            started = time.perf_counter()
            sock.sendall(range_request(server.path, offset))
            status, got = read_head(sock)
            head = time.perf_counter() - started
            assert status == 206, status
            while got < want:
                n = sock.recv_into(view, min(len(view), want - got))
                if n == 0:
                    raise ConnectionError(f"closed after {got} bytes")
                got += n
        with lock:
            out.bytes += got
            out.requests += 1
            out.heads.append(head)
        offset += got
        if offset >= size - 1 or rng.random() < 1 / 3:
            offset = rng.randrange(size - 1)


def blackbeard_reads(server: Server, size: int, readers: int, seconds: float,
                     seed: int) -> tuple[float, float, float, int]:
    """(GB/s, server CPU-s per GB, p99 ms to the head, requests) of ``readers`` readers."""
    out, lock = Reads(), threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=reader, args=(server, size, deadline, seed * 100 + i,
                                                     out, lock)) for i in range(readers)]
    cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu_before
    heads = sorted(out.heads)
    p99 = heads[min(len(heads) - 1, int(len(heads) * 0.99))] * 1000
    return out.bytes / 1e9 / elapsed, cpu / (out.bytes / 1e9), p99, out.requests


def ffmpeg_reads(server: Server, size: int, count: int) -> tuple[float, float]:
    """``count`` ffmpegs copying the whole file from the server: (wall s, CPU-s per GB)."""
    url = f"http://127.0.0.1:{server.port}{server.path}"
    command = ["taskset", "-c", CLIENT_CORE, ffmpeg_binary(None), "-v", "error", "-nostdin",
               "-headers", f"X-Revenge-Internal-Token: {TOKEN}\r\n", "-i", url,
               "-map", "0", "-c", "copy", "-f", "null", "-"]
    cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
    processes = [subprocess.Popen(command) for _ in range(count)]
    codes = [p.wait() for p in processes]
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu_before
    assert codes == [0] * count, codes
    return elapsed, cpu / (count * size / 1e9)


def measure_round(server: Server, args: argparse.Namespace, size: int, work: Path,
                  seed: int) -> dict[str, float]:
    """One round of every measure on a freshly started server."""
    ffmpeg_reads(server, size, 1)  # warm the server: imports, first allocations
    gbps, cpu, head_p99, requests = blackbeard_reads(server, size, args.readers, args.seconds,
                                                     seed)
    one, one_cpu = ffmpeg_reads(server, size, 1)
    many, many_cpu = ffmpeg_reads(server, size, args.ffmpegs)
    rps, p99, errors = ranges_wrk(server, args.seconds, work, seed, size=size)
    return {"reads_gbps": gbps, "reads_cpu_per_gb": cpu, "reads_head_p99_ms": head_p99,
            "reads_requests": requests, "ffmpeg_seconds": one, "ffmpeg_cpu_per_gb": one_cpu,
            "ffmpegs_seconds": many, "ffmpegs_cpu_per_gb": many_cpu, "rps": rps,
            "p99_ms": p99, "errors": errors}


def medians(rounds: list[dict[str, float]]) -> Row:
    """The medians of the rounds (request and error counts: their sums)."""
    sums = ("reads_requests", "errors")
    return Row(**{key: sum(r[key] for r in rounds) if key in sums
                  else statistics.median(r[key] for r in rounds) for key in rounds[0]})


def table(rows: dict[str, Row], args: argparse.Namespace) -> str:
    names = list(rows)
    lines = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]

    def line(label: str, cell: Callable[[Row], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(rows[n]) for n in names) + " |")

    readers = f"{args.readers} Blackbeard readers"
    line(f"{readers}: GB/s", lambda r: f"{r.reads_gbps:.2f}")
    line(f"{readers}: server CPU-s per GB", lambda r: f"{r.reads_cpu_per_gb:.3f}")
    line(f"{readers}: p99 ms to the head", lambda r: f"{r.reads_head_p99_ms:.2f}")
    line(f"{readers}: requests (all rounds)", lambda r: f"{r.reads_requests:.0f}")
    line("1 ffmpeg -c copy: wall s", lambda r: f"{r.ffmpeg_seconds:.2f}")
    line("1 ffmpeg: server CPU-s per GB", lambda r: f"{r.ffmpeg_cpu_per_gb:.3f}")
    line(f"{args.ffmpegs} ffmpegs at once: wall s", lambda r: f"{r.ffmpegs_seconds:.2f}")
    line(f"{args.ffmpegs} ffmpegs: server CPU-s per GB", lambda r: f"{r.ffmpegs_cpu_per_gb:.3f}")
    line("64 KiB ranges, 64 conns: req/s", lambda r: f"{r.rps:,.0f}")
    line("64 KiB ranges: p99 ms", lambda r: f"{r.p99_ms:.2f}")
    line("64 KiB ranges: errors", lambda r: f"{r.errors:.0f}")
    return "\n".join(lines)


def revenge_command(root: Path, data: Path, port: int) -> list[str]:
    """The real ``twistd revenge``, its internal listener on ``port``."""
    return [TWISTD, "-n", "--pidfile=", "-l", os.devnull, "revenge", "--media", str(root),
            "--data-dir", str(data), "--listen", "tcp:0:interface=127.0.0.1",
            "--internal-listen", f"tcp:{port}:interface=127.0.0.1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6, help="per round of reads / wrk")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--ffmpegs", type=int, default=4)
    parser.add_argument("--megabytes", type=int, default=1024)
    args = parser.parse_args()
    take_client_core()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "media"
        root.mkdir()
        size = make_media(root / FILE, args.megabytes)
        os.sync()  # no writeback of the new file during the first measures
        print(f"{FILE}: {size / 1e9:.2f} GB", flush=True)
        port, nginx_port = free_port(), free_port()
        nginx = nginx_command(root, nginx_port, work)
        if nginx is None:
            print("nginx: not installed (apt-get install -y nginx-light)", flush=True)
        servers = [("revenge", revenge_command(root, revenge_data(work), port),
                    f"/internal/stream/{media_id(os.path.realpath(root / FILE))}", port),
                   ("nginx", nginx, f"/{FILE}", nginx_port)]
        results: dict[str, list[dict[str, float]]] = {}
        # Round by round, so drift (page cache, writeback, a neighbour's load) spreads over
        # every server rather than landing on the first one measured.
        for seed in range(args.rounds):
            for name, command, path, port in servers:
                if command is None:
                    continue
                print(f"round {seed + 1}: {name} ...", flush=True)
                with running(name, command, port, path) as server:
                    results.setdefault(name, []).append(
                        measure_round(server, args, size, work, seed))
        rows = {name: medians(rounds) for name, rounds in results.items()}
    print()
    print(f"server on one core, clients on another; medians of {args.rounds} rounds")
    print(table(rows, args))


if __name__ == "__main__":
    main()
