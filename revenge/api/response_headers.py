"""Response headers made cheaply: ``Date`` once a second, header names checked once."""

from __future__ import annotations

import time

from twisted.web.http import datetimeToString
from twisted.web.http_headers import InvalidHeaderName, _nameEncoder
from twisted.web.server import Request


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


class _Canonical(dict[bytes, bytes]):
    """Header names to their canonical form (twisted.web's, which it stores them by)."""

    def __missing__(self, name: bytes) -> bytes:
        try:
            canonical = _nameEncoder.encode(name)
        except InvalidHeaderName:
            return b""
        if len(self) < 1000:  # names are ours, but bounded all the same
            self[name] = canonical
        return canonical


_CANONICAL = _Canonical()


def stored_at_once(request: Request, name: bytes | str, value: bytes | str) -> bool:
    """Set the header as twisted.web's ``setHeader`` would, in one call rather than four,
    when it is the usual case (bytes, a name in canonical form, a value on one line);
    False, and nothing done, otherwise."""
    if type(name) is bytes and type(value) is bytes and _CANONICAL[name] == name \
            and b"\r" not in value and b"\n" not in value:
        request.responseHeaders._rawHeaders[name] = [value]
        return True
    return False
