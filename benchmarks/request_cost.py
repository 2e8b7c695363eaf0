"""The Python work of the two hottest requests, answered directly and through twisted.web.

    .venv/bin/python -m benchmarks.request_cost [--requests 2000] [--repeats 15]

``benchmarks/segments.py`` and ``benchmarks/range_serving.py`` measure under load, where the
kernel's copy of the bytes is much of the time and the machine's noise is ±30 %. This one
isolates what is ours: in one process, real request heads go to a ``RevengeSite`` through
the zero-copy transport over a real TCP socket, and the client reads each answer whole
before the next; CPU microseconds per request (process time: ours, the kernel's for both
ends of the socket), the minimum and the median of ``--repeats`` runs of ``--requests``.

1. a cached segment: the head hls.js in Chromium sends, to the public site, for a segment
   already in the transcode cache (the harness's fake transcoder: a few bytes of body);
2. a short internal range: Blackbeard's head for 1 KiB at a random offset of a 64 MiB file,
   to the internal listener's site (a file opened, checked and sent with ``sendfile``).

Each is answered three ways: directly from the parsed head (``revenge.api.direct``, what
the servers do), through twisted.web's ``Request`` (the same site with its direct answers
off), and, as the floor of any twisted.web route, by stock twisted.web's ``Site`` with one
resource writing the same bytes through the same body writer. The log goes to /dev/null in
twistd's text format.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from twisted.internet import reactor
from twisted.logger import globalLogBeginner, textFileLogObserver
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from revenge.api.internal import DirectReads, InternalRoutes
from revenge.api.segments import SegmentRoute
from revenge.api.site import RevengeSite
from revenge.files.producers import BodyWriter, Memory
from revenge.files.ranges import parse_range
from revenge.files.resource import InternalStreamResource, MediaFile
from revenge.testing import AppHarness, segment_body
from revenge.testing.sockets import zero_copy_connection
from tests.api.support import FILM, LIBRARY, open_session

PLAYER = ("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux "
          "x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
          "Accept: */*\r\nOrigin: http://127.0.0.1:8080\r\nReferer: http://127.0.0.1:8080/\r\n"
          "Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n")
BLACKBEARD = ("GET /internal/stream/m1 HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nUser-Agent: "
              "Lavf/61.7.100\r\nAccept: */*\r\nRange: bytes={start}-{end}\r\n"
              "X-Revenge-Internal-Token: {token}\r\n\r\n")
TOKEN = "bench-token"
FILE_SIZE = 64 << 20
SPAN = 1024


class _BareSegment(Resource):
    """What any twisted.web route costs at least: headers, the body writer, finish."""

    isLeaf = True

    def render_GET(self, request: Request) -> int:
        body = segment_body("source", "0.ts")
        request.setHeader(b"Content-Type", b"video/mp2t")
        request.setHeader(b"Content-Length", b"%d" % len(body))
        BodyWriter(request, None, [Memory(body)]).start()
        return NOT_DONE_YET


class _BareRange(Resource):
    """The same for a range of a file: open, stat, one range, the body writer."""

    isLeaf = True

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._path = path

    def render_GET(self, request: Request) -> int:
        fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
        size = os.fstat(fd).st_size
        (part,) = parse_range(request.getHeader(b"range"), size).ranges
        request.setResponseCode(206)
        request.setHeader(b"Content-Length", b"%d" % part.length)
        BodyWriter(request, fd, [part]).start()
        return NOT_DONE_YET


def _bare(resource: Resource) -> Site:
    site = Site(resource)
    site.log = lambda request: None  # type: ignore[method-assign]
    return site


def segment_sites() -> tuple[dict[str, Site], list[bytes]]:
    """The public site over the harness (direct, and not), a session whose segments are in
    the cache, the bare floor; the heads to send."""
    harness = AppHarness(records=LIBRARY)
    alice = harness.new_user("alice")
    session = open_session(alice, FILM.id, profile="source")
    master = str(session["master_url"])
    base, token = master.rsplit("/", 1)[0], master.split("?t=")[1]
    paths = [f"{base}/source/{n}.ts?t={token}" for n in range(5)]
    for _ in range(2):  # the first time made (and cached), then from the cache
        for path in paths:
            assert alice.get(path).status == 200
    assert alice.get(paths[0]).header("X-Served-From") == "cache"
    route = SegmentRoute(harness.streaming)
    resource = harness.app.resource()
    sites: dict[str, Site] = {
        "direct": RevengeSite(resource, listener="public", cors=True,
                              fast_route=route.match, direct=route.direct),
        "twisted.web Request": RevengeSite(resource, listener="public", cors=True,
                                           fast_route=route.match),
        "bare twisted.web": _bare(_BareSegment()),  # type: ignore[no-untyped-call]
    }
    return sites, [PLAYER.format(path=path).encode() for path in paths]


def range_sites(work: Path) -> tuple[dict[str, Site], list[bytes]]:
    """The internal listener's site over one 64 MiB file (direct, and not), the floor; the
    heads to send."""
    path = work / "film.mp4"
    with path.open("wb") as f:
        for _ in range(FILE_SIZE >> 20):
            f.write(os.urandom(1 << 20))
    stream = InternalStreamResource(
        lambda media_id: MediaFile(path, "video/mp4") if media_id == "m1" else None,
        token=TOKEN)

    def internal(*, direct: bool) -> Site:
        return RevengeSite(InternalRoutes({b"stream": stream}), listener="internal",
                           log_successes=False, direct=DirectReads(stream) if direct else None)

    sites = {"direct": internal(direct=True), "twisted.web Request": internal(direct=False),
             "bare twisted.web": _bare(_BareRange(path))}
    rng = random.Random(1)
    starts = [rng.randrange(0, FILE_SIZE - SPAN) for _ in range(500)]
    return sites, [BLACKBEARD.format(start=s, end=s + SPAN - 1, token=TOKEN).encode()
                   for s in starts]


def _reader(client: socket.socket) -> Callable[[], bytes]:
    """Reads one whole answer (framed by Content-Length) from ``client``, running the
    reactor while none is there."""
    pending = bytearray()
    buffer = bytearray(1 << 20)
    client.setblocking(False)

    def answer() -> bytes:
        while True:
            end = pending.find(b"\r\n\r\n")
            if end >= 0:
                at = pending.find(b"\r\nContent-Length: ")
                length = int(pending[at + 18 : pending.index(b"\r\n", at + 2)])
                if len(pending) >= end + 4 + length:
                    whole = bytes(pending[: end + 4 + length])
                    del pending[: end + 4 + length]
                    return whole
            try:
                got = client.recv_into(buffer)
            except BlockingIOError:
                reactor.iterate(0)
                continue
            if not got:
                raise ConnectionError("the server closed the connection")
            pending.extend(memoryview(buffer)[:got])

    return answer


def measure(site: Site, heads: list[bytes], *, requests: int, repeats: int) -> list[float]:
    """CPU microseconds per request, one figure per repeat."""
    protocol, client = zero_copy_connection(site, reactor)
    answer = _reader(client)

    def run(count: int) -> None:
        for n in range(count):
            protocol.dataReceived(heads[n % len(heads)])
            answer()

    protocol.dataReceived(heads[0])
    first = answer()
    assert first.startswith((b"HTTP/1.1 200 ", b"HTTP/1.1 206 ")), first[:200]
    figures = []
    for _ in range(repeats):
        started = time.process_time()
        run(requests)
        figures.append((time.process_time() - started) / requests * 1e6)
    client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with open(os.devnull, "w") as log, tempfile.TemporaryDirectory() as work:
        globalLogBeginner.beginLoggingTo([textFileLogObserver(log)], redirectStandardIO=False)
        for title, (sites, heads) in (("cached segment", segment_sites()),
                                      (f"{SPAN} B internal range", range_sites(Path(work)))):
            for name, site in sites.items():
                figures = measure(site, heads, requests=args.requests, repeats=args.repeats)
                print(f"{title}, {name:>19}: {min(figures):6.1f} µs CPU per request (min), "
                      f"median {statistics.median(figures):6.1f}")


if __name__ == "__main__":
    main()
