"""The Python work of one cached segment request, beside a bare twisted.web resource.

    .venv/bin/python -m benchmarks.segment_cost [--requests 2000] [--repeats 15]

``benchmarks/segments.py`` measures delivery under load, where the kernel's copy of the
bytes is most of the time and the machine's noise is ±30 %. This one isolates what is ours:
in one process, a player's real request head (the headers hls.js in Chromium sends) goes to
the public ``RevengeSite`` through the zero-copy transport over a real TCP socket, for a
segment already in the transcode cache (the harness's fake transcoder: bodies of a few bytes,
so the kernel has almost nothing to copy). Beside it, stock twisted.web's ``Site`` with one
resource writing the same bytes through the same body writer: the floor of any route
served by twisted.web. CPU microseconds per request, the minimum and the median of
``--repeats`` runs of ``--requests``; the log goes to /dev/null in twistd's text format.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from twisted.internet import reactor
from twisted.logger import globalLogBeginner, textFileLogObserver
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from revenge.api.segments import SegmentRoute
from revenge.api.site import RevengeSite
from revenge.files.producers import BodyWriter, Memory
from revenge.testing import AppHarness, segment_body
from revenge.testing.sockets import zero_copy_connection
from tests.api.support import FILM, LIBRARY, open_session

HEAD = ("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux "
        "x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
        "Accept: */*\r\nOrigin: http://127.0.0.1:8080\r\nReferer: http://127.0.0.1:8080/\r\n"
        "Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n")


class _Bare(Resource):
    """What any twisted.web route costs at least: headers, the body writer, finish."""

    isLeaf = True

    def render_GET(self, request: Request) -> int:
        body = segment_body("source", "0.ts")
        request.setHeader(b"Content-Type", b"video/mp2t")
        request.setHeader(b"Content-Length", b"%d" % len(body))
        BodyWriter(request, None, [Memory(body)]).start()
        return NOT_DONE_YET


def _revenge_site() -> tuple[Site, list[str]]:
    """The public site over the harness, with a session whose segments are in the cache."""
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
    segments = SegmentRoute(harness.streaming)
    site = RevengeSite(harness.app.resource(), listener="public", cors=True,
                       fast_route=segments.match, direct=segments.direct)
    return site, paths


def measure(site: Site, paths: list[str], *, requests: int, repeats: int) -> list[float]:
    """CPU microseconds per request, one figure per repeat."""
    protocol, client = zero_copy_connection(site, reactor)
    heads = [HEAD.format(path=path).encode() for path in paths]

    def run(count: int) -> bytes:
        answer = b""
        for n in range(count):
            protocol.dataReceived(heads[n % len(heads)])
            answer = client.recv(65536)
        return answer

    first = run(1)
    assert first.startswith(b"HTTP/1.1 200 "), first[:200]
    figures = []
    for _ in range(repeats):
        started = time.process_time()
        run(requests)
        figures.append((time.process_time() - started) / requests * 1e6)
        reactor.runUntilCurrent()  # type: ignore[attr-defined]  # the delivery timers due
    client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with open(os.devnull, "w") as log:
        globalLogBeginner.beginLoggingTo([textFileLogObserver(log)], redirectStandardIO=False)
        revenge, paths = _revenge_site()
        bare = Site(_Bare())  # type: ignore[no-untyped-call]
        bare.log = lambda request: None  # type: ignore[method-assign]
        for name, site in (("revenge", revenge), ("bare twisted.web", bare)):
            figures = measure(site, paths, requests=args.requests, repeats=args.repeats)
            print(f"{name:>16}: {min(figures):6.1f} µs CPU per cached segment request (min), "
                  f"median {statistics.median(figures):6.1f}")


if __name__ == "__main__":
    main()
