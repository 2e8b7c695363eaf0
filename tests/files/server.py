"""An in-process internal listener on a real loopback socket, and a blocking client for it
(run in a thread so the reactor keeps going)."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import attrs
from prometheus_client import REGISTRY
from twisted.internet import reactor, tcp
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.threads import deferToThread

from revenge.api.internal import DirectReads, InternalRoutes
from revenge.api.site import RevengeSite
from revenge.files.resource import InternalStreamResource, MediaFile
from revenge.files.zerocopy import SendfilePort

TOKEN = "internal-secret"


def active_streams() -> float:
    """``revenge_stream_active`` as a scrape reads it."""
    value = REGISTRY.get_sample_value("revenge_stream_active")
    assert value is not None
    return value


@attrs.frozen
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@attrs.define
class StreamServer:
    """``/internal/stream/{id}`` over files, counting which ids were looked up; served as
    the internal listener serves it (with ``zero_copy``, over its transport)."""

    files: dict[str, Path]
    zero_copy: bool = True
    direct: bool = True  # plain reads answered without a twisted.web Request, as in production
    write_timeout: float | None = None
    timeout: float = 30.0
    looked_up: list[str] = attrs.field(factory=list)
    port: tcp.Port | None = None
    site: RevengeSite | None = None
    clock: IReactorTime | None = None

    def lookup(self, media_id: str) -> MediaFile | None:
        self.looked_up.append(media_id)
        path = self.files.get(media_id)
        return MediaFile(str(path), "video/mp4") if path else None

    def start(self) -> int:
        stream = InternalStreamResource(self.lookup, token=TOKEN, clock=self.clock)
        site = RevengeSite(InternalRoutes({b"stream": stream}), listener="internal",
                           timeout=self.timeout,
                           direct=DirectReads(stream) if self.direct else None)
        self.site = site
        if self.zero_copy:
            self.port = SendfilePort(0, site, 50, "127.0.0.1", reactor,
                                     write_timeout=self.write_timeout)
        else:
            self.port = tcp.Port(0, site, 50, "127.0.0.1", reactor)
        self.port.startListening()
        return int(self.port.getHost().port)

    def stop(self) -> Deferred[None]:
        assert self.port is not None
        return self.port.stopListening()  # type: ignore[no-any-return]


def fetch_blocking(port: int, path: str, headers: dict[str, str] | None = None,
                   method: str = "GET", token: str | None = TOKEN) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["X-Revenge-Internal-Token"] = token
    connection.request(method, path, headers=all_headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def fetch(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET",
          token: str | None = TOKEN) -> Deferred[Answer]:
    """One request, in a thread."""
    return deferToThread(fetch_blocking, port, path, headers, method, token)


def raw_blocking(port: int, request: bytes) -> bytes:
    """Send bytes as they are (for paths a client library would normalise)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and b"connection: close" not in answer.lower():
                head, _, body = answer.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
        return answer


def parts(body: bytes, content_type: str) -> Iterator[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/byteranges body."""
    boundary = content_type.split("boundary=")[1].encode()
    chunks = body.split(b"--" + boundary)
    assert chunks[-1] == b"--\r\n", chunks[-1]
    for chunk in chunks[1:-1]:
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        yield {k.lower(): v for k, v in fields.items()}, data.removesuffix(b"\r\n")
