"""A small, fast HTTP/1.1 load client for the benchmarks: keep-alive raw sockets, one thread
each, ``recv_into`` a reused buffer (the GIL is free while the kernel copies)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable

import attrs


@attrs.define
class Result:
    """What one client run measured."""

    latencies: list[float] = attrs.field(factory=list)
    bytes: int = 0
    failures: int = 0
    seconds: float = 0.0

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        self.bytes += other.bytes
        self.failures += other.failures

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


class Connection:
    """One keep-alive connection that GETs paths and discards bodies, counting bytes."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.buffer = bytearray(1 << 20)
        self.view = memoryview(self.buffer)

    def _connect(self) -> socket.socket:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.sock

    def get(self, path: str, headers: str = "") -> tuple[int, int, dict[str, str]]:
        """GET ``path``; return (status, body bytes, headers)."""
        sock = self._connect()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{headers}\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the headers")
            head += chunk
        raw, _, rest = head.partition(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        length = int(fields.get("content-length", "0"))
        remaining = length - len(rest)
        while remaining > 0:
            n = sock.recv_into(self.view, min(remaining, len(self.buffer)))
            if n == 0:
                raise ConnectionError("closed mid-body")
            remaining -= n
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, length, fields

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def hammer(
    host: str, port: int, paths: Callable[[int], str], *, connections: int, seconds: float,
    headers: str = "",
) -> Result:
    """``connections`` threads GET ``paths(n)`` back to back for ``seconds``."""
    results = [Result() for _ in range(connections)]
    deadline = time.monotonic() + seconds

    def worker(result: Result, seed: int) -> None:
        connection = Connection(host, port)
        n = seed
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, size, _ = connection.get(paths(n), headers)
            except OSError:
                result.failures += 1
                connection.close()
                continue
            if status >= 400:
                result.failures += 1
            result.latencies.append(time.perf_counter() - started)
            result.bytes += size
            n += connections
        connection.close()

    threads = [threading.Thread(target=worker, args=(r, i)) for i, r in enumerate(results)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = Result(seconds=time.monotonic() - started)
    for r in results:
        total.merge(r)
    return total


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and of its live children (nginx's workers)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    pids.append(int(entry))
            except OSError:
                continue
    ticks = 0
    for one in pids:
        try:
            ticks += sum(int(x) for x in _stat(one)[11:15])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid``."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
