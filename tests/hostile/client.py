"""What a hostile client needs: raw sockets, a response reader that checks framing, the
server's resident memory and open files, and a check that everyone else is still served."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import attrs

from tests.server import Server

MiB = 1024 * 1024


@attrs.frozen
class Listener:
    """One listener of the server: its port, the header line that lets a request in, the
    big file's path on it and a path any client may ask for."""

    name: str
    port: int
    auth: str
    file: str
    normal: str

    def request(self, path: str, extra: str = "", *, method: str = "GET") -> bytes:
        """A request head for ``path`` carrying the credential."""
        return f"{method} {path} HTTP/1.1\r\nHost: x\r\n{self.auth}{extra}\r\n".encode()

    def connect(self, *, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@attrs.frozen
class Target:
    """The server under attack."""

    server: Server
    pid: int
    path: Path  # the big media file, as the server opens it
    size: int
    public: Listener
    internal: Listener
    blackbeard_port: int

    @property
    def listeners(self) -> tuple[Listener, Listener]:
        return self.public, self.internal


@attrs.frozen
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Reader:
    """Reads responses one after another from a socket, by their framing."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def _fill(self) -> None:
        chunk = self._sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed by the server")
        self._buffer += chunk

    def response(self, *, head: bool = False) -> Response:
        """The next response (``head``: an answer to HEAD, so no body)."""
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        raw, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 "), lines[0]
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(": ")
            assert colon, line
            headers[name.lower()] = value
        length = 0 if head else int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            self._fill()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return Response(int(lines[0].split(" ", 2)[1]), headers, body)

    def closed(self) -> bool:
        """Whether the server closed the connection after what was read (RST counts)."""
        try:
            return not self._buffer and self._sock.recv(1) == b""
        except ConnectionResetError:
            return True


def rss(pid: int) -> int:
    """The resident set size of ``pid``, in bytes (``VmRSS``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class RssWatch:
    """Samples the server's RSS every 10 ms while in use: ``growth`` is the peak over the
    value before."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.before = rss(pid)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss(self._pid))

    @property
    def growth(self) -> int:
        return self.peak - self.before

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(self._pid))


def open_files(pid: int, path: Path) -> int:
    """How many of ``pid``'s descriptors are open on ``path``."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count


def served_promptly(target: Target, *, within: float = 5.0) -> None:
    """An ordinary request on each listener is answered, well within ``within`` seconds."""
    for listener in target.listeners:
        started = time.monotonic()
        with listener.connect(timeout=within) as sock:
            sock.sendall(listener.request(listener.normal, "Connection: close\r\n"))
            answer = Reader(sock).response()
        assert answer.status == 200, (listener.name, answer)
        assert time.monotonic() - started < within


def poll(condition: object, *, within: float, what: str, every: float = 0.02) -> float:
    """Seconds until ``condition()`` held, polled every ``every`` s for at most ``within``."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if callable(condition) and condition():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"timed out after {within} s waiting for {what}")
