"""Range serving beside nginx and stock ``twistd web --path``, on the same file, in one run.

    .venv/bin/python -m benchmarks.range_serving [--rounds 3] [--seconds 4] [--readers 200]

Needs (Debian): ``apt-get install -y wrk nginx-light`` (wrk for the range load, which a
Python client could not drive hard enough; without nginx its column is left out). Each
server runs alone, pinned to one core
(``taskset``), the clients to another. Reported, medians of ``--rounds``:

1. one connection downloading a 1 GiB file: GB/s, and the server's CPU seconds per GB
   (utime + stime from /proc/PID/stat, before and after);
2. 64 keep-alive connections asking for random 64 KiB ranges: requests/s and p99 latency;
3. the server's peak RSS growth per reader with ``--readers`` slow readers of that file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from benchmarks.httpload import cpu_seconds, rss_bytes
from revenge.library.scan import media_id

SERVER_CORE, CLIENT_CORE = "0", "1"
TOKEN = "bench-token"
FILE = "big.mp4"  # a media name, so the library indexes it (unprobeable: fine)
SIZE = 1 << 30
RANGE = 64 * 1024
# The one place that says how Revenge is started: the real ``twistd revenge``, logging to
# /dev/null like the stock server, Blackbeard's internal listener on ``{port}``. Its data
# directory ``{data}`` is given the benchmark's internal token beforehand; the file is
# served at /internal/stream/ + its media id.
TWISTD = str(Path(sys.executable).with_name("twistd"))
# Servers import this checkout, not whatever copy of Revenge the venv has installed.
REPOSITORY = str(Path(__file__).resolve().parents[1])
REVENGE_COMMAND = [TWISTD, "-n", "--pidfile=", "-l", os.devnull, "revenge", "--media", "{dir}",
                   "--data-dir", "{data}", "--listen", "tcp:0:interface=127.0.0.1",
                   "--internal-listen", "tcp:{port}:interface=127.0.0.1"]


@attrs.frozen
class Server:
    """A running server under test."""

    name: str
    pid: int
    port: int
    path: str


@attrs.define
class Row:
    """What one server measured (medians)."""

    gbps: float = float("nan")
    cpu_per_gb: float = float("nan")
    rps: float = float("nan")
    p99_ms: float = float("nan")
    range_errors: int = 0
    rss_per_reader_kib: float = float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], name: str, path: str) -> None:
    """Until ``path`` answers (Revenge's library scan comes after its port opens)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(request(path, "Range: bytes=0-0\r\n"))
                if read_head(sock)[0] in (200, 206):
                    return
        except OSError:
            pass
        time.sleep(0.05)  # a child process starting: nothing to wait on but the port
    raise RuntimeError(f"{name} did not serve {path} on {port}")


@contextmanager
def running(name: str, command: list[str], port: int, path: str) -> Iterator[Server]:
    """Start ``command`` pinned to the server core; stop it afterwards."""
    process = subprocess.Popen(["taskset", "-c", SERVER_CORE, *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": REPOSITORY})
    try:
        wait_listening(port, process, name, path)
        yield Server(name, process.pid, port, path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(path: str, headers: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Revenge-Internal-Token: {TOKEN}"
            f"\r\n{headers}\r\n").encode()


def read_head(sock: socket.socket) -> tuple[int, int]:
    """Status and bytes of body already received with the head."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        head += chunk
    raw, _, rest = head.partition(b"\r\n\r\n")
    return int(raw.split(b" ", 2)[1]), len(rest)


def download(server: Server) -> tuple[float, float]:
    """One whole-file GET on one connection: (GB/s, server CPU seconds per GB)."""
    buffer = bytearray(4 << 20)
    view = memoryview(buffer)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        sock.sendall(request(server.path, "Connection: close\r\n"))
        status, got = read_head(sock)
        assert status == 200, status
        while got < SIZE:
            n = sock.recv_into(view)
            if n == 0:
                raise ConnectionError(f"closed after {got} bytes")
            got += n
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(server.pid) - cpu_before
    gb = SIZE / 1e9
    return gb / seconds, cpu / gb


WRK_SCRIPT = """
math.randomseed(%(seed)d)
request = function()
  local start = math.random(0, %(last)d)
  return wrk.format("GET", "%(path)s", {["Range"] = "bytes=" .. start .. "-" .. (start + %(span)d),
                                        ["X-Revenge-Internal-Token"] = "%(token)s"})
end
"""


def ranges_wrk(server: Server, seconds: float, work: Path, seed: int, *,
               size: int = SIZE) -> tuple[float, float, int]:
    """64 connections of random 64 KiB ranges of a ``size``-byte file with wrk:
    (requests/s, p99 ms, errors)."""
    script = work / "ranges.lua"
    script.write_text(WRK_SCRIPT % {"seed": seed, "last": size - RANGE, "path": server.path,
                                    "span": RANGE - 1, "token": TOKEN})
    done = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", "-c64", f"-d{seconds}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{server.port}/"],
        capture_output=True, text=True, check=True)
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    failures = int(errors.group(1)) if errors else 0
    if socket_errors:
        failures += sum(int(x) for x in socket_errors.groups())
    return rps, float(p99.group(1)) * scale, failures


def slow_readers(server: Server, readers: int, hold: float) -> float:
    """Peak RSS growth per reader while ``readers`` connections crawl through the file."""
    baseline = rss_bytes(server.pid)
    selector = selectors.DefaultSelector()
    socks = []
    try:
        for _ in range(readers):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            sock.sendall(request(server.path))
            sock.setblocking(False)
            socks.append(sock)
            selector.register(sock, selectors.EVENT_READ)
        peak = baseline
        deadline = time.monotonic() + hold
        while time.monotonic() < deadline:
            # Each reader takes at most 4 KiB a tick: about 40 KiB/s, far below the server.
            for key, _ in selector.select(timeout=0.1):
                with contextlib.suppress(BlockingIOError):
                    key.fileobj.recv(4096)  # type: ignore[union-attr]
            peak = max(peak, rss_bytes(server.pid))
            time.sleep(0.1)  # the pacing of a slow reader, not synchronisation
        return (peak - baseline) / readers / 1024
    finally:
        selector.close()
        for sock in socks:
            sock.close()


def measure(server: Server, args: argparse.Namespace, work: Path) -> Row:
    row = Row()
    # Warm the server (imports, first-request allocations) and the page cache.
    download(server)
    runs = [download(server) for _ in range(args.rounds)]
    row.gbps = statistics.median(r[0] for r in runs)
    row.cpu_per_gb = statistics.median(r[1] for r in runs)
    results = [ranges_wrk(server, args.seconds, work, seed) for seed in range(args.rounds)]
    row.rps = statistics.median(r[0] for r in results)
    row.p99_ms = statistics.median(r[1] for r in results)
    row.range_errors = sum(r[2] for r in results)
    row.rss_per_reader_kib = slow_readers(server, args.readers, args.hold)
    return row


def nginx_command(root: Path, port: int, work: Path) -> list[str] | None:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        return None
    conf = work / "nginx.conf"
    # One process (no master), so /proc/PID is the process doing the work. No tcp_nopush:
    # with keep-alive its TCP_CORK stalls 64 KiB responses ~40 ms here (1.5k req/s, not 40k).
    conf.write_text(f"""
daemon off; master_process off; worker_processes 1; pid {work}/nginx.pid;
error_log {work}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; sendfile on; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    return [binary, "-c", str(conf)]


def table(rows: dict[str, Row]) -> str:
    names = list(rows)
    lines = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]

    def line(label: str, cell: Callable[[Row], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(rows[n]) for n in names) + " |")

    line("1 GiB, 1 connection: GB/s", lambda r: f"{r.gbps:.2f}")
    line("1 GiB: server CPU-s per GB", lambda r: f"{r.cpu_per_gb:.3f}")
    line("64 KiB ranges, 64 conns: req/s", lambda r: f"{r.rps:,.0f}")
    line("64 KiB ranges: p99 ms", lambda r: f"{r.p99_ms:.2f}")
    line("64 KiB ranges: errors", lambda r: f"{r.range_errors}")
    line("slow readers: RSS KiB per reader", lambda r: f"{r.rss_per_reader_kib:.1f}")
    return "\n".join(lines)


def targets(rows: dict[str, Row]) -> list[str]:
    revenge = rows["revenge"]
    out = []
    if "nginx" in rows:
        nginx = rows["nginx"]
        out.append(f"(1) throughput {revenge.gbps / nginx.gbps:.2f}x nginx (target >= 0.85), "
                   f"CPU/GB {revenge.cpu_per_gb / nginx.cpu_per_gb:.2f}x nginx (<= 1.3)")
    stock = rows["twistd web"]
    out.append(f"(2) {revenge.rps / stock.rps:.2f}x stock Twisted req/s (>= 1.5), p99 "
               f"{revenge.p99_ms:.2f} ms vs {stock.p99_ms:.2f} ms (no worse)")
    out.append(f"(3) {revenge.rss_per_reader_kib:.1f} KiB per slow reader (<= 20 zero-copy)")
    return out


def take_client_core() -> None:
    """Check wrk and two cores are there; run this process (the clients) on the client core."""
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install -y wrk (and nginx-light for the nginx column)")
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs two cores: one for the server, one for the clients")
    os.sched_setaffinity(0, {int(CLIENT_CORE)})


def revenge_data(work: Path) -> Path:
    """A data directory for Revenge whose internal token is the benchmark's."""
    data = work / "data"
    data.mkdir()
    (data / "secrets.json").write_text(json.dumps(
        {"signing_key": "00" * 32, "internal_token": TOKEN}))
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4, help="per range-load round")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--hold", type=float, default=4.0, help="slow readers' seconds")
    args = parser.parse_args()
    take_client_core()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "media"
        root.mkdir()
        block = os.urandom(1 << 20)
        with (root / FILE).open("wb") as f:
            for _ in range(SIZE // len(block)):
                f.write(block)
        servers: list[tuple[str, list[str] | None, str]] = []
        port = free_port()
        data = revenge_data(work)
        command = [part.format(port=port, dir=root, data=data) for part in REVENGE_COMMAND]
        revenge_path = f"/internal/stream/{media_id(os.path.realpath(root / FILE))}"
        servers.append(("revenge", command, revenge_path))
        nginx_port = free_port()
        servers.append(("nginx", nginx_command(root, nginx_port, work), f"/{FILE}"))
        stock_port = free_port()
        servers.append(("twistd web", [TWISTD, "-n", "-l", os.devnull, "--pidfile=", "web",
                                       "--listen", f"tcp:{stock_port}:interface=127.0.0.1",
                                       "--path", str(root)], f"/{FILE}"))
        ports = {"revenge": port, "nginx": nginx_port, "twistd web": stock_port}
        rows: dict[str, Row] = {}
        for name, cmd, path in servers:
            if cmd is None:
                print(f"{name}: not installed (apt-get install -y nginx-light)", flush=True)
                continue
            print(f"measuring {name} ...", flush=True)
            with running(name, cmd, ports[name], path) as server:
                rows[name] = measure(server, args, work)
    print()
    print(f"server on core {SERVER_CORE}, clients on core {CLIENT_CORE}; "
          f"medians of {args.rounds} rounds")
    print(table(rows))
    print()
    print("\n".join(targets(rows)))


if __name__ == "__main__":
    main()
