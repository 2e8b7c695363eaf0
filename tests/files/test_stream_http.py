"""``/internal/stream`` over a real socket: a table of RFC 9110 range and precondition cases,
both with zero-copy sendfile and with the copying fallback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from revenge.files.metrics import STREAM_BYTES, STREAM_REQUESTS
from tests.files.server import StreamServer, fetch, parts

SIZE = 10_000
DATA = bytes((i * 7 + 3) % 256 for i in range(SIZE))
MTIME = 1_700_000_000


@pytest.fixture
def media_file(tmp_path: Path) -> Path:
    path = tmp_path / "film.mp4"
    path.write_bytes(DATA)
    os.utime(path, (MTIME, MTIME))
    return path


@pytest_twisted.async_yield_fixture(params=["sendfile", "copying"])
async def server(request: pytest.FixtureRequest, media_file: Path) -> AsyncIterator[
        tuple[StreamServer, int]]:
    running = StreamServer({"m1": media_file}, zero_copy=request.param != "copying")
    port = running.start()
    yield running, port
    await running.stop()


def _etag(path: Path) -> str:
    st = path.stat()
    return f'"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"'


LAST_MODIFIED = formatdate(MTIME, usegmt=True)
PAST = formatdate(MTIME - 3600, usegmt=True)
FUTURE = formatdate(MTIME + 3600, usegmt=True)

# (Range, extra headers, status, [(start, end)] expected body ranges or None for no body)
CASES: list[tuple[str, str | None, dict[str, str], int, list[tuple[int, int]] | None]] = [
    ("no range", None, {}, 200, [(0, SIZE - 1)]),
    ("first bytes", "bytes=0-99", {}, 206, [(0, 99)]),
    ("open range", "bytes=100-", {}, 206, [(100, SIZE - 1)]),
    ("suffix", "bytes=-100", {}, 206, [(SIZE - 100, SIZE - 1)]),
    ("clamped end", "bytes=9990-20000", {}, 206, [(9990, SIZE - 1)]),
    ("suffix longer than file", "bytes=-20000", {}, 206, [(0, SIZE - 1)]),
    ("one byte", "bytes=0-0", {}, 206, [(0, 0)]),
    ("last byte", "bytes=9999-9999", {}, 206, [(9999, 9999)]),
    ("start at size", "bytes=10000-", {}, 416, None),
    ("past the end", "bytes=20000-30000", {}, 416, None),
    ("zero suffix", "bytes=-0", {}, 416, None),
    ("no satisfiable member", "bytes=10000-10001,20000-", {}, 416, None),
    ("reversed is invalid: ignored", "bytes=5-1", {}, 200, [(0, SIZE - 1)]),
    ("unknown unit ignored", "items=0-10", {}, 200, [(0, SIZE - 1)]),
    ("garbage ignored", "bytes=abc", {}, 200, [(0, SIZE - 1)]),
    ("dash alone ignored", "bytes=-", {}, 200, [(0, SIZE - 1)]),
    ("unit is case-insensitive", "BYTES=0-9", {}, 206, [(0, 9)]),
    ("spaces around", "bytes= 0-9 ", {}, 206, [(0, 9)]),
    ("empty elements", "bytes=,0-9,,", {}, 206, [(0, 9)]),
    ("two ranges", "bytes=0-9,20-29", {}, 206, [(0, 9), (20, 29)]),
    ("overlap coalesced", "bytes=0-9,5-20", {}, 206, [(0, 20)]),
    ("adjacent coalesced", "bytes=0-9,10-19", {}, 206, [(0, 19)]),
    ("disjoint ranges keep their order", "bytes=50-59,0-9", {}, 206, [(50, 59), (0, 9)]),
    ("out of order overlaps merged in file order", "bytes=50-59,0-9,55-70", {}, 206,
     [(0, 9), (50, 70)]),
    ("huge first-pos is unsatisfiable", "bytes=99999999999999999999999-", {}, 416, None),
    ("huge last-pos is clamped", "bytes=10-99999999999999999999999", {}, 206,
     [(10, SIZE - 1)]),
    ("whitespace inside a spec is invalid", "bytes=0 - 9", {}, 200, [(0, SIZE - 1)]),
    ("one bad member voids the header", "bytes=0-9,x-y", {}, 200, [(0, SIZE - 1)]),
    ("unsatisfiable member dropped", "bytes=0-9,20000-", {}, 206, [(0, 9)]),
    ("suffix and range", "bytes=0-1,-2", {}, 206, [(0, 1), (SIZE - 2, SIZE - 1)]),
    ("amplifying overlaps collapse", "bytes=" + ",".join(["0-9999"] * 16), {}, 206,
     [(0, SIZE - 1)]),
    ("too many ranges: whole file", "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}"
                                                       for i in range(17)), {}, 200,
     [(0, SIZE - 1)]),
    ("If-Range etag matches", "bytes=0-9", {"If-Range": "{etag}"}, 206, [(0, 9)]),
    ("If-Range etag differs", "bytes=0-9", {"If-Range": '"other"'}, 200, [(0, SIZE - 1)]),
    ("If-Range weak etag never", "bytes=0-9", {"If-Range": "W/{etag}"}, 200, [(0, SIZE - 1)]),
    ("If-Range exact date", "bytes=0-9", {"If-Range": LAST_MODIFIED}, 206, [(0, 9)]),
    ("If-Range other date", "bytes=0-9", {"If-Range": PAST}, 200, [(0, SIZE - 1)]),
    ("If-Range junk means whole file", "bytes=0-9", {"If-Range": "junk"}, 200,
     [(0, SIZE - 1)]),
    ("If-Range without Range", None, {"If-Range": '"other"'}, 200, [(0, SIZE - 1)]),
    ("If-Range matches multipart", "bytes=0-1,5-6", {"If-Range": "{etag}"}, 206,
     [(0, 1), (5, 6)]),
    ("If-None-Match hit", None, {"If-None-Match": "{etag}"}, 304, None),
    ("If-None-Match weak hit", None, {"If-None-Match": 'W/{etag}, "x"'}, 304, None),
    ("If-None-Match star", None, {"If-None-Match": "*"}, 304, None),
    ("If-None-Match miss", None, {"If-None-Match": '"other"'}, 200, [(0, SIZE - 1)]),
    ("If-None-Match tag with a comma", None, {"If-None-Match": '"a,{etag}"'}, 200,
     [(0, SIZE - 1)]),
    ("If-None-Match in a list", None, {"If-None-Match": '"a", {etag} ,"b"'}, 304, None),
    ("If-None-Match hit beats a range", "bytes=0-9", {"If-None-Match": "{etag}"}, 304, None),
    ("If-None-Match miss with range", "bytes=0-9", {"If-None-Match": '"x"'}, 206, [(0, 9)]),
    ("If-Modified-Since not modified", None, {"If-Modified-Since": FUTURE}, 304, None),
    ("If-Modified-Since modified", None, {"If-Modified-Since": PAST}, 200, [(0, SIZE - 1)]),
    ("If-Modified-Since bad date ignored", None, {"If-Modified-Since": "yesterday"}, 200,
     [(0, SIZE - 1)]),
    ("INM wins over IMS", None, {"If-None-Match": '"x"', "If-Modified-Since": FUTURE}, 200,
     [(0, SIZE - 1)]),
    ("If-Match miss", None, {"If-Match": '"other"'}, 412, None),
    ("If-Match weak never matches", None, {"If-Match": "W/{etag}"}, 412, None),
    ("If-Match hit", "bytes=0-9", {"If-Match": "{etag}"}, 206, [(0, 9)]),
    ("If-Match star", None, {"If-Match": "*"}, 200, [(0, SIZE - 1)]),
    ("If-Unmodified-Since earlier", None, {"If-Unmodified-Since": PAST}, 412, None),
    ("If-Unmodified-Since later", None, {"If-Unmodified-Since": FUTURE}, 200, [(0, SIZE - 1)]),
    ("If-Match wins over IUS", None, {"If-Match": "{etag}", "If-Unmodified-Since": PAST}, 200,
     [(0, SIZE - 1)]),
    ("precondition before range", "bytes=0-9", {"If-Match": '"x"'}, 412, None),
    ("If-Match junk fails", None, {"If-Match": "junk"}, 412, None),
    ("If-Match in a list", None, {"If-Match": '"a", {etag}'}, 200, [(0, SIZE - 1)]),
    ("IUS fails before INM is looked at", None,
     {"If-Unmodified-Since": PAST, "If-None-Match": "{etag}"}, 412, None),
    ("If-Match passes, then INM gives 304", None,
     {"If-Match": "{etag}", "If-None-Match": "{etag}"}, 304, None),
    ("IMS ignored when INM present", None,
     {"If-None-Match": "{etag}", "If-Modified-Since": PAST}, 304, None),
    ("If-Unmodified-Since bad date ignored", None, {"If-Unmodified-Since": "junk"}, 200,
     [(0, SIZE - 1)]),
    ("If-Modified-Since exact date", None, {"If-Modified-Since": LAST_MODIFIED}, 304, None),
]


@pytest.mark.parametrize(("name", "range_", "headers", "status", "expected"), CASES,
                         ids=[c[0] for c in CASES])
@pytest_twisted.ensureDeferred
async def test_range_and_precondition_table(
    server: tuple[StreamServer, int], media_file: Path, name: str, range_: str | None,
    headers: dict[str, str], status: int, expected: list[tuple[int, int]] | None,
) -> None:
    _, port = server
    etag = _etag(media_file)
    sent = {k: v.replace("{etag}", etag) for k, v in headers.items()}
    if range_ is not None:
        sent["Range"] = range_
    answer = await fetch(port, "/internal/stream/m1", sent)
    assert answer.status == status
    h = answer.headers
    assert h["etag"] == etag
    if status == 304:
        assert answer.body == b""
        for absent in ("content-range", "content-type", "last-modified", "accept-ranges",
                       "content-length", "transfer-encoding"):
            assert absent not in h
        return
    if status in (412, 416):
        assert h["content-type"] == "application/json"
        if status == 416:
            assert h["content-range"] == f"bytes */{SIZE}"
        return
    assert h["accept-ranges"] == "bytes"
    assert h["last-modified"] == LAST_MODIFIED
    assert int(h["content-length"]) == len(answer.body)
    assert expected is not None
    if status == 200:
        assert answer.body == DATA and h["content-type"] == "video/mp4"
        assert "content-range" not in h
    elif len(expected) == 1:
        (start, end), = expected
        assert h["content-range"] == f"bytes {start}-{end}/{SIZE}"
        assert answer.body == DATA[start : end + 1]
    else:
        got = list(parts(answer.body, h["content-type"]))
        assert h["content-type"].startswith("multipart/byteranges; boundary=")
        assert [p[0]["content-range"] for p in got] == [
            f"bytes {s}-{e}/{SIZE}" for s, e in expected]
        assert all(p[0]["content-type"] == "video/mp4" for p in got)
        assert [p[1] for p in got] == [DATA[s : e + 1] for s, e in expected]


@pytest_twisted.ensureDeferred
async def test_head_has_the_headers_of_get_and_no_body(server: tuple[StreamServer, int]) -> None:
    _, port = server
    get = await fetch(port, "/internal/stream/m1")
    head = await fetch(port, "/internal/stream/m1", method="HEAD")
    assert head.status == 200 and head.body == b""
    for name in ("content-length", "content-type", "etag", "last-modified", "accept-ranges"):
        assert head.headers[name] == get.headers[name]
    # §14.2: Range is for GET only.
    ranged = await fetch(port, "/internal/stream/m1", {"Range": "bytes=0-9"}, method="HEAD")
    assert ranged.status == 200 and ranged.headers["content-length"] == str(SIZE)


@pytest_twisted.ensureDeferred
async def test_auth_unknown_ids_and_methods(server: tuple[StreamServer, int]) -> None:
    _, port = server
    assert (await fetch(port, "/internal/stream/m1", token=None)).status == 401
    assert (await fetch(port, "/internal/stream/m1", token="wrong")).status == 401
    missing = await fetch(port, "/internal/stream/nope")
    assert missing.status == 404 and missing.headers["content-type"] == "application/json"
    post = await fetch(port, "/internal/stream/m1", method="POST")
    assert post.status == 405 and post.headers["allow"] == "GET, HEAD"
    assert (await fetch(port, "/internal/stream/m1/extra")).status == 404


@pytest_twisted.ensureDeferred
async def test_a_vanished_file_is_a_clean_404(
    server: tuple[StreamServer, int], media_file: Path
) -> None:
    _, port = server
    media_file.unlink()
    answer = await fetch(port, "/internal/stream/m1")
    assert answer.status == 404
    assert answer.headers["content-type"] == "application/json"


@pytest_twisted.ensureDeferred
async def test_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    running = StreamServer({"e": empty})
    port = running.start()
    try:
        whole = await fetch(port, "/internal/stream/e")
        assert whole.status == 200 and whole.body == b"" and whole.headers["content-length"] == "0"
        assert (await fetch(port, "/internal/stream/e", {"Range": "bytes=0-"})).status == 416
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_an_if_range_date_counts_only_once_last_modified_is_strong(
    media_file: Path,
) -> None:
    clock = Clock()
    running = StreamServer({"m1": media_file}, clock=clock)
    port = running.start()
    headers = {"Range": "bytes=0-9", "If-Range": LAST_MODIFIED}
    try:
        # Within the second the file was written, its date may not tell two versions apart.
        clock.advance(MTIME + 0.5)
        assert (await fetch(port, "/internal/stream/m1", headers)).status == 200
        clock.advance(1)
        answer = await fetch(port, "/internal/stream/m1", headers)
        assert answer.status == 206 and answer.body == DATA[:10]
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_metrics_count_requests_and_bytes_by_kind(
    server: tuple[StreamServer, int],
) -> None:
    _, port = server
    route = "/internal/stream/{id}"

    def counts() -> tuple[float, ...]:
        return (STREAM_REQUESTS.labels(route, "single")._value.get(),
                STREAM_BYTES.labels(route, "single")._value.get(),
                STREAM_REQUESTS.labels(route, "multi")._value.get(),
                STREAM_BYTES.labels(route, "multi")._value.get(),
                STREAM_REQUESTS.labels(route, "not_modified")._value.get())

    before = counts()
    await fetch(port, "/internal/stream/m1", {"Range": "bytes=0-99"})
    await fetch(port, "/internal/stream/m1", {"Range": "bytes=0-9,20-29"})
    await fetch(port, "/internal/stream/m1", {"If-None-Match": "*"})
    after = counts()
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 100, 1, 20, 1]
