"""Validators and the RFC 9110 §13.2.2 precondition order on their own."""

from __future__ import annotations

import os
from email.utils import formatdate

import pytest

from revenge.files.conditional import (
    IF_MATCH,
    IF_MODIFIED_SINCE,
    IF_NONE_MATCH,
    IF_UNMODIFIED_SINCE,
    Outcome,
    etag_for,
    evaluate,
    http_date,
    if_range_holds,
    last_modified_is_strong,
    parse_http_date,
    parse_tags,
)

ETAG = b'"1-2-3"'
LM = 1_700_000_000
AT = formatdate(LM, usegmt=True).encode()
BEFORE = formatdate(LM - 1, usegmt=True).encode()
AFTER = formatdate(LM + 1, usegmt=True).encode()


def _eval(method: bytes = b"GET", **fields: bytes) -> Outcome:
    names = {"im": IF_MATCH, "inm": IF_NONE_MATCH, "ims": IF_MODIFIED_SINCE,
             "ius": IF_UNMODIFIED_SINCE}
    return evaluate(method, {names[k]: v for k, v in fields.items()}, etag=ETAG,
                    last_modified=LM)


@pytest.mark.parametrize(("method", "fields", "outcome"), [
    (b"GET", {}, "proceed"),
    (b"GET", {"im": ETAG}, "proceed"),
    (b"GET", {"im": b"*"}, "proceed"),
    (b"GET", {"im": b'W/"1-2-3"'}, "precondition_failed"),
    (b"GET", {"im": b'"x", "1-2-3"'}, "proceed"),
    (b"GET", {"im": b'"x"', "ius": AFTER}, "precondition_failed"),  # If-Match decides
    (b"GET", {"im": ETAG, "ius": BEFORE}, "proceed"),  # IUS not evaluated
    (b"GET", {"ius": BEFORE}, "precondition_failed"),
    (b"GET", {"ius": AT}, "proceed"),
    (b"GET", {"ius": b"not a date"}, "proceed"),
    (b"GET", {"inm": ETAG}, "not_modified"),
    (b"HEAD", {"inm": ETAG}, "not_modified"),
    (b"DELETE", {"inm": ETAG}, "precondition_failed"),
    (b"GET", {"inm": b'W/"1-2-3"'}, "not_modified"),  # weak comparison
    (b"GET", {"inm": b"*"}, "not_modified"),
    (b"GET", {"inm": b'"a,"1-2-3"'}, "proceed"),  # not a list of two tags
    (b"GET", {"inm": b'"x"', "ims": AFTER}, "proceed"),  # IMS not evaluated
    (b"GET", {"ims": AT}, "not_modified"),
    (b"GET", {"ims": BEFORE}, "proceed"),
    (b"POST", {"ims": AT}, "proceed"),  # IMS only for GET/HEAD
    (b"GET", {"ius": BEFORE, "inm": ETAG}, "precondition_failed"),  # 412 before 304
])
def test_precondition_order(method: bytes, fields: dict[str, bytes], outcome: Outcome) -> None:
    assert _eval(method, **fields) == outcome


@pytest.mark.parametrize(("value", "tags"), [
    (b"*", None),
    (b' * ', None),
    (b'"a"', [b'"a"']),
    (b'"a", W/"b" ,"c"', [b'"a"', b'W/"b"', b'"c"']),
    (b'"a,b"', [b'"a,b"']),
    (b",, \"a\" ,", [b'"a"']),
    (b"junk, \"a\"", [b'"a"']),
    (b'"unterminated', []),
    (b"", []),
])
def test_parse_tags(value: bytes, tags: list[bytes] | None) -> None:
    assert parse_tags(value) == tags


@pytest.mark.parametrize(("value", "strong", "holds"), [
    (None, True, True),
    (ETAG, True, True),
    (ETAG, False, True),  # a tag does not care how old the file is
    (b'W/"1-2-3"', True, False),
    (b'"other"', True, False),
    (AT, True, True),
    (AT, False, False),  # a date written within the same second is weak
    (BEFORE, True, False),
    (AFTER, True, False),
    (b"junk", True, False),
])
def test_if_range(value: bytes | None, strong: bool, holds: bool) -> None:
    assert if_range_holds(value, etag=ETAG, last_modified=LM, date_is_strong=strong) is holds


def test_dates_and_tags_from_a_real_file(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "f")
    with open(path, "wb") as f:
        f.write(b"x" * 10)
    os.utime(path, ns=(LM * 10**9 + 5, LM * 10**9 + 5))
    st = os.stat(path)
    tag = etag_for(st)
    assert tag.startswith(b'"') and tag.endswith(b'"') and b"-a-" in tag
    assert http_date(LM) == AT
    assert parse_http_date(AT) == LM
    # Other formats §5.6.7 says to accept, and things that are not dates.
    assert parse_http_date(b"Tuesday, 14-Nov-23 22:13:20 GMT") == LM
    assert parse_http_date(b"Tue Nov 14 22:13:20 2023") == LM  # asctime: GMT by definition
    for junk in (None, b"", b"yesterday", b"\xff\xfe", b"Tue, 99 Nov 2023 99:99:99 GMT"):
        assert parse_http_date(junk) is None
    assert not last_modified_is_strong(st, LM + 0.9)
    assert last_modified_is_strong(st, LM + 1.1)
    os.utime(path, ns=(LM * 10**9 + 6, LM * 10**9 + 6))
    assert etag_for(os.stat(path)) != tag  # a nanosecond changes the tag
