"""``parse_range`` and ``coalesce`` on their own: RFC 9110 §14 corner by corner."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revenge.files.ranges import (
    FULL,
    MAX_HEADER,
    UNSATISFIABLE,
    ByteRange,
    RangeRequest,
    coalesce,
    parse_range,
)


def partial(*spans: tuple[int, int]) -> RangeRequest:
    return RangeRequest("partial", tuple(ByteRange(a, b) for a, b in spans))


@pytest.mark.parametrize(("header", "size", "expected"), [
    (None, 100, FULL),
    (b"bytes=0-9", 100, partial((0, 9))),
    (b"bytes=90-", 100, partial((90, 99))),
    (b"bytes=-10", 100, partial((90, 99))),
    (b"bytes=-1000", 100, partial((0, 99))),
    (b"bytes=50-1000", 100, partial((50, 99))),
    (b"bytes=100-", 100, UNSATISFIABLE),
    (b"bytes=-0", 100, UNSATISFIABLE),
    (b"bytes=0-", 0, UNSATISFIABLE),
    (b"bytes=-5", 0, UNSATISFIABLE),
    (b"bytes=5-4", 100, FULL),
    (b"bytes=-", 100, FULL),
    (b"bytes=", 100, FULL),
    (b"bytes=,,", 100, FULL),
    (b"bytes", 100, FULL),
    (b"octets=0-9", 100, FULL),
    (b"bytes=0x1-2", 100, FULL),
    (b"bytes=+1-2", 100, FULL),
    (b"bytes=1-2-3", 100, FULL),
    (b"bytes=\xff", 100, FULL),
    (b"Bytes=0-0", 100, partial((0, 0))),
    (b"bytes=\t0-0 ,\t", 100, partial((0, 0))),
    (b"bytes=0-9,10-19", 100, partial((0, 19))),
    (b"bytes=0-9,9-19", 100, partial((0, 19))),
    (b"bytes=0-9,11-19", 100, partial((0, 9), (11, 19))),
    (b"bytes=11-19,0-9", 100, partial((11, 19), (0, 9))),
    (b"bytes=50-60,0-9,55-99", 100, partial((0, 9), (50, 99))),
    (b"bytes=-10,0-9", 100, partial((90, 99), (0, 9))),
    (b"bytes=0-99,0-99,0-99", 100, partial((0, 99))),
    (b"bytes=200-300,0-0", 100, partial((0, 0))),
    (b"bytes=200-300,300-", 100, UNSATISFIABLE),
    (b"bytes=" + b"9" * 400 + b"-", 100, UNSATISFIABLE),
    (b"bytes=0-" + b"9" * 400, 100, partial((0, 99))),
])
def test_parse_range(header: bytes | None, size: int, expected: RangeRequest) -> None:
    assert parse_range(header, size) == expected


def test_the_range_count_is_capped_before_coalescing() -> None:
    sixteen = b"bytes=" + b",".join(b"%d-%d" % (i * 3, i * 3) for i in range(16))
    assert parse_range(sixteen, 1000).kind == "partial"
    assert len(parse_range(sixteen, 1000).ranges) == 16
    seventeen = sixteen + b",100-100"
    assert parse_range(seventeen, 1000) == FULL
    assert parse_range(seventeen, 1000, max_ranges=17).kind == "partial"
    assert parse_range(b"bytes=0-0,2-2", 1000, max_ranges=1) == FULL
    # Empty elements do not count.
    assert parse_range(b"bytes=0-0" + b"," * 100, 1000, max_ranges=1) == partial((0, 0))


def test_an_oversized_header_is_ignored() -> None:
    header = b"bytes=0-0," + b" " * MAX_HEADER
    assert parse_range(header, 100) == FULL


def test_byte_range_values() -> None:
    r = ByteRange(10, 19)
    assert r.length == 10
    assert r.content_range(100) == b"bytes 10-19/100"


SPANS = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 50)), min_size=1, max_size=20)


@given(SPANS)
def test_coalesce_covers_the_same_bytes_without_overlap(spans: list[tuple[int, int]]) -> None:
    ranges = [ByteRange(a, a + n) for a, n in spans]
    merged = coalesce(ranges)
    wanted = {i for r in ranges for i in range(r.start, r.end + 1)}
    got = [i for r in merged for i in range(r.start, r.end + 1)]
    assert len(got) == len(set(got))  # never a byte twice: no amplification
    assert set(got) == wanted
    ordered = sorted(merged, key=lambda r: r.start)
    assert all(a.end + 1 < b.start for a, b in itertools.pairwise(ordered))
    if merged != tuple(ranges):  # only merging may reorder
        assert list(merged) == ordered


@given(st.binary(max_size=64), st.integers(0, 10_000))
def test_anything_parses_to_something_sane(header: bytes, size: int) -> None:
    result = parse_range(b"bytes=" + header, size)
    for r in result.ranges:
        assert 0 <= r.start <= r.end < size
    assert result.kind != "partial" or result.ranges


_POSITION = st.one_of(st.just(""), st.integers(0, 20_000).map(str))


@given(_POSITION, _POSITION, st.integers(0, 10_000))
def test_one_range_spec_parses_as_the_general_parse_does(first: str, last: str,
                                                         size: int) -> None:
    # "bytes=N-M" takes a shortcut; a trailing empty list element (which §5.6.1.2 lets a
    # recipient ignore) sends the same spec through the general parse.
    simple = f"bytes={first}-{last}".encode()
    assert parse_range(simple, size) == parse_range(simple + b", ", size)
