"""Response headers made cheaply: ``Date`` once a second, a header stored in one call."""

from __future__ import annotations

import time
from typing import Protocol

from twisted.web.http import datetimeToString
from twisted.web.http_headers import Headers, InvalidHeaderName, _nameEncoder


class Responding(Protocol):
    """A request being answered: twisted.web's, or a direct one (``revenge.api.direct``)."""

    responseHeaders: Headers


class _Date:
    """The ``Date`` header's value, made at most once a second rather than once a request."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, datetimeToString(second)
        return self._value


DATE = _Date()


# Names found canonical, so that a header set on every response is checked once. Only our
# code sets response headers, from a small set of names; the bound is for safety.
_CANONICAL: set[bytes] = set()
_MAX_CANONICAL = 512


def _plain(name: bytes, value: bytes) -> bool:
    """Whether twisted.web would store the header as given: the name in its canonical form
    (twisted.web's own cached one), the value on one line."""
    if b"\r" in value or b"\n" in value:
        return False
    if name in _CANONICAL:
        return True
    try:
        canonical = _nameEncoder.encode(name) == name
    except InvalidHeaderName:
        return False
    if canonical and len(_CANONICAL) < _MAX_CANONICAL:
        _CANONICAL.add(name)
    return canonical


def stored_at_once(request: Responding, name: bytes | str, value: bytes | str) -> bool:
    """Set the header as twisted.web's ``setHeader`` would, in one call rather than four,
    when it is the usual case (bytes, ``_plain``); False, and nothing done, otherwise."""
    if type(name) is not bytes or type(value) is not bytes or not _plain(name, value):
        return False
    request.responseHeaders._rawHeaders[name] = [value]
    return True


class HeaderSet:
    """Constant response headers (the CORS ones, a segment's caching), checked once here
    and stored on a request in one step."""

    def __init__(self, headers: dict[bytes, bytes]) -> None:
        for name, value in headers.items():
            if not _plain(name, value):
                raise ValueError(f"not a canonical header line: {name!r}: {value!r}")
        self.pairs = tuple(headers.items())

    def store(self, request: Responding) -> None:
        """Set them all on ``request``'s response (replacing what was set under their names)."""
        raw = request.responseHeaders._rawHeaders
        for name, value in self.pairs:
            raw[name] = [value]


# For browser players on other origins, on every answer to a request with an Origin.
CORS_HEADERS = HeaderSet({
    b"Access-Control-Allow-Origin": b"*",
    b"Access-Control-Allow-Methods": b"GET, HEAD, POST, DELETE, OPTIONS",
    b"Access-Control-Allow-Headers": b"Authorization, Content-Type, Range, CMCD-Request, "
                                     b"CMCD-Object, CMCD-Status, CMCD-Session",
    b"Access-Control-Expose-Headers": b"Content-Length, Content-Range, X-Served-From, "
                                     b"X-Revenge-Node, Location",
    b"Access-Control-Max-Age": b"600",
})
