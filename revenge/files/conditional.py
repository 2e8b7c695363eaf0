"""Validators (strong ETag, Last-Modified) and RFC 9110 §13 precondition evaluation."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from typing import Literal

Outcome = Literal["proceed", "not_modified", "precondition_failed"]

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (§8.8.3); commas may sit inside the quotes, so
# a list is scanned for tags rather than split on commas.
_ENTITY_TAG = re.compile(rb'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')
_LIST_SEPARATOR = re.compile(rb"[ \t]*,[ \t]*|[ \t]+")

IF_MATCH = b"if-match"
IF_NONE_MATCH = b"if-none-match"
IF_MODIFIED_SINCE = b"if-modified-since"
IF_UNMODIFIED_SINCE = b"if-unmodified-since"
PRECONDITION_HEADERS = (IF_MATCH, IF_NONE_MATCH, IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE)


def etag_for(st: os.stat_result) -> bytes:
    """A strong ETag from what changes whenever the bytes can: inode, size, mtime."""
    return b'"%x-%x-%x"' % (st.st_ino, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=1024)  # a file's Last-Modified, asked for every range read
def http_date(seconds: float) -> bytes:
    """IMF-fixdate, as HTTP wants it."""
    return formatdate(seconds, usegmt=True).encode()


def parse_http_date(value: bytes | None) -> int | None:
    """Seconds since the epoch, or None for a missing or invalid date."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        # asctime() has no zone, and every HTTP-date is GMT (§5.6.7).
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp())
    except (OverflowError, ValueError):
        return None


def parse_tags(value: bytes) -> list[bytes] | None:
    """The entity-tags of an If-Match/If-None-Match value; None for ``*``.

    Malformed members are dropped (they can match nothing), so a list of junk is an empty
    list: If-Match then fails and If-None-Match then passes, as with any non-matching tag.
    """
    value = value.strip(b" \t")
    if value == b"*":
        return None
    tags: list[bytes] = []
    position = 0
    while position < len(value):
        separator = _LIST_SEPARATOR.match(value, position)
        if separator is not None and separator.end() > position:
            position = separator.end()
            continue
        tag = _ENTITY_TAG.match(value, position)
        if tag is None:
            # Skip to the next comma outside any quotes we know of.
            comma = value.find(b",", position)
            position = len(value) if comma < 0 else comma + 1
            continue
        tags.append(tag.group())
        position = tag.end()
    return tags


def last_modified_is_strong(st: os.stat_result, now: float) -> bool:
    """§8.8.2.2: a modification time is a strong validator once a second has passed."""
    return st.st_mtime + 1 <= now


def _opaque(tag: bytes) -> bytes:
    return tag[2:] if tag.startswith(b"W/") else tag


def evaluate(
    method: bytes,
    headers: Mapping[bytes, bytes | None],
    *,
    etag: bytes,
    last_modified: int,
) -> Outcome:
    """Evaluate the preconditions in the §13.2.2 order.

    1. If-Match (strong comparison; ``*`` holds for an existing file) → 412 when false;
    2. else If-Unmodified-Since → 412 when the file changed after the date;
    3. If-None-Match (weak comparison) → 304 for GET/HEAD, 412 otherwise, when a tag matches;
    4. else If-Modified-Since, GET/HEAD only → 304 when the file has not changed since.
    Invalid dates are ignored, as §13.1.3 and §13.1.4 require. ``headers`` holds the
    lower-case ``PRECONDITION_HEADERS``.
    """
    if_match = headers.get(IF_MATCH)
    if if_match is not None:
        tags = parse_tags(if_match)
        # A weak tag never matches strongly, and ours is strong: a plain membership test.
        if tags is not None and etag not in tags:
            return "precondition_failed"
    else:
        since = parse_http_date(headers.get(IF_UNMODIFIED_SINCE))
        if since is not None and last_modified > since:
            return "precondition_failed"
    safe = method in (b"GET", b"HEAD")
    if_none_match = headers.get(IF_NONE_MATCH)
    if if_none_match is not None:
        tags = parse_tags(if_none_match)
        if tags is None or _opaque(etag) in {_opaque(t) for t in tags}:
            return "not_modified" if safe else "precondition_failed"
    elif safe:
        since = parse_http_date(headers.get(IF_MODIFIED_SINCE))
        if since is not None and last_modified <= since:
            return "not_modified"
    return "proceed"


def if_range_holds(
    value: bytes | None, *, etag: bytes, last_modified: int, date_is_strong: bool
) -> bool:
    """§13.1.5: may the Range be honoured?

    Only for a strong match of the entity-tag, or a date equal to Last-Modified when that
    date is itself a strong validator (``date_is_strong``; §8.8.2.2: the file's mtime at
    least a second before now, so a file written twice within one second cannot pass).
    Anything else — a weak tag, another date, junk — means the whole representation,
    never a 412.
    """
    if value is None:
        return True
    value = value.strip(b" \t")
    if value.startswith((b'"', b"W/")):
        return value == etag
    date = parse_http_date(value)
    return date_is_strong and date is not None and date == last_modified
