"""Validators (strong ETag, Last-Modified) and RFC 9110 §13 precondition evaluation."""

from __future__ import annotations

import os
from email.utils import formatdate, parsedate_to_datetime
from typing import Literal

Outcome = Literal["proceed", "not_modified", "precondition_failed"]


def etag_for(st: os.stat_result) -> bytes:
    """A strong ETag from what changes whenever the bytes can: inode, size, mtime."""
    return b'"%x-%x-%x"' % (st.st_ino, st.st_size, st.st_mtime_ns)


def http_date(seconds: float) -> bytes:
    """IMF-fixdate, as HTTP wants it."""
    return formatdate(seconds, usegmt=True).encode()


def parse_http_date(value: bytes | None) -> int | None:
    """Seconds since the epoch, or None for a missing or invalid date."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _tags(value: bytes) -> list[bytes] | None:
    """The entity-tags of an If-Match/If-None-Match list; None for ``*``."""
    if value.strip() == b"*":
        return None
    return [t.strip() for t in value.split(b",") if t.strip()]


def _opaque(tag: bytes) -> bytes:
    return tag[2:] if tag.startswith(b"W/") else tag


def evaluate(
    method: bytes,
    headers: dict[bytes, bytes | None],
    *,
    etag: bytes,
    last_modified: int,
) -> Outcome:
    """The §13.2.2 order: If-Match, else If-Unmodified-Since; If-None-Match, else
    If-Modified-Since (GET/HEAD only)."""
    if_match = headers.get(b"if-match")
    if if_match is not None:
        tags = _tags(if_match)
        # Strong comparison: a weak tag never matches.
        if tags is not None and etag not in tags:
            return "precondition_failed"
    else:
        since = parse_http_date(headers.get(b"if-unmodified-since"))
        if since is not None and last_modified > since:
            return "precondition_failed"
    if_none_match = headers.get(b"if-none-match")
    safe = method in (b"GET", b"HEAD")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        # Weak comparison.
        if tags is None or _opaque(etag) in {_opaque(t) for t in tags}:
            return "not_modified" if safe else "precondition_failed"
    elif safe:
        since = parse_http_date(headers.get(b"if-modified-since"))
        if since is not None and last_modified <= since:
            return "not_modified"
    return "proceed"


def if_range_holds(value: bytes | None, *, etag: bytes, last_modified: int) -> bool:
    """§13.1.5: may the Range be honoured? Only for a strong match of the tag, or a date
    equal to Last-Modified; anything else means send the whole representation."""
    if value is None:
        return True
    value = value.strip()
    if value.startswith(b'"') or value.startswith(b"W/"):
        return not value.startswith(b"W/") and value == etag
    date = parse_http_date(value)
    return date is not None and date == last_modified
