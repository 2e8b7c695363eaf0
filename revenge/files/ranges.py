"""RFC 9110 §14 ``Range: bytes=...`` parsing into what to send.

Invalid or foreign-unit headers are ignored (a full 200), as §14.2 allows; empty list
elements are tolerated (§5.6.1.2); suffixes longer than the file mean the whole file;
overlapping or adjacent ranges are coalesced and too many ranges get the whole file, so a
range set cannot amplify the response (§17.15). Disjoint ranges keep the order they were
asked in (§14.6); once any of them overlap they are merged and sent in file order, which
§14.6 allows "regardless of the order" they were asked in.
"""

from __future__ import annotations

import itertools
import re
from typing import Literal

import attrs

# Digits only: int() of a bounded header is cheap, and a first-pos past any real file is
# still a valid (unsatisfiable) range-spec rather than a malformed one.
_SPEC = re.compile(r"(\d*)-(\d*)", re.ASCII)
_SIMPLE = re.compile(rb"bytes=(\d*)-(\d*)")  # one range-spec, no spaces
MAX_HEADER = 4096
DEFAULT_MAX_RANGES = 16


@attrs.frozen
class ByteRange:
    """Bytes ``start`` to ``end``, both included."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """How many bytes the range holds."""
        return self.end - self.start + 1

    def content_range(self, size: int) -> bytes:
        """The ``Content-Range`` value for this range of a ``size``-byte file."""
        return b"bytes %d-%d/%d" % (self.start, self.end, size)


Kind = Literal["full", "partial", "unsatisfiable"]


@attrs.frozen
class RangeRequest:
    """What to answer: the whole file, some ranges of it, or 416."""

    kind: Kind
    ranges: tuple[ByteRange, ...] = ()


FULL = RangeRequest("full")
UNSATISFIABLE = RangeRequest("unsatisfiable")


def parse_range(
    header: bytes | None, size: int, *, max_ranges: int = DEFAULT_MAX_RANGES
) -> RangeRequest:
    """Decide what a ``Range`` header asks of a ``size``-byte file.

    More than ``max_ranges`` range-specs (before coalescing) get the whole file: the cost of
    parsing and answering is then bounded whatever a client sends.
    """
    if header is None or len(header) > MAX_HEADER:
        return FULL
    simple = _SIMPLE.fullmatch(header)
    if simple is not None:  # what Blackbeard and players send, without the general parse
        member = _member(simple[1].decode(), simple[2].decode(), size)
        if isinstance(member, ByteRange):
            return RangeRequest("partial", (member,))
        return UNSATISFIABLE if member is None else FULL
    try:
        text = header.decode("ascii")
    except UnicodeDecodeError:
        return FULL
    unit, eq, spec = text.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        return FULL
    elements = [e for e in (e.strip(" \t") for e in spec.split(",")) if e]
    if not elements or len(elements) > max_ranges:
        return FULL
    wanted: list[ByteRange] = []
    for element in elements:
        match = _SPEC.fullmatch(element)
        if match is None:
            return FULL
        member = _member(match[1], match[2], size)
        if member is FULL:
            return FULL
        if isinstance(member, ByteRange):
            wanted.append(member)
    if not wanted:
        return UNSATISFIABLE
    return RangeRequest("partial", coalesce(wanted))


def _member(first: str, last: str, size: int) -> ByteRange | RangeRequest | None:
    """One range-spec: the bytes it asks for, None if unsatisfiable, ``FULL`` if invalid
    (which voids the whole header)."""
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return FULL
        if start >= size:
            return None
        return ByteRange(start, min(end, size - 1))
    if last:
        suffix = int(last)
        if suffix == 0 or size == 0:
            return None
        return ByteRange(max(0, size - suffix), size - 1)
    return FULL  # "-" alone


def coalesce(ranges: list[ByteRange]) -> tuple[ByteRange, ...]:
    """Merge overlapping or adjacent ranges; disjoint ones keep their order."""
    ordered = sorted(ranges, key=lambda r: r.start)
    if all(a.end + 1 < b.start for a, b in itertools.pairwise(ordered)):
        return tuple(ranges)
    merged: list[ByteRange] = []
    for current in ordered:
        if merged and current.start <= merged[-1].end + 1:
            last = merged[-1]
            merged[-1] = ByteRange(last.start, max(last.end, current.end))
        else:
            merged.append(current)
    return tuple(merged)
