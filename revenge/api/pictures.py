"""Answering with a picture: a strong ETag, how long it may be cached, a 304 for a client
that has it, and the bytes (none for HEAD)."""

from __future__ import annotations

from twisted.web.iweb import IRequest

# A URL naming the picture's version (``?v=``) is never stale: the next version has another.
IMMUTABLE = b"private, max-age=31536000, immutable"
REVALIDATE = b"private, no-cache"


def answer_picture(request: IRequest, *, etag: bytes, cache_control: bytes,
                   content_type: str, data: bytes | None) -> bytes:
    """The answer to ``request``: 304 if its ``If-None-Match`` names ``etag``, else ``data``
    (read by the caller; None when the 304 was foreseen with ``is_fresh``)."""
    request.setHeader(b"ETag", etag)
    request.setHeader(b"Cache-Control", cache_control)
    if is_fresh(request, etag) or data is None:
        request.setResponseCode(304)
        return b""
    request.setHeader(b"Content-Type", content_type.encode())
    request.setHeader(b"Content-Length", b"%d" % len(data))
    return b"" if request.method == b"HEAD" else data


def is_fresh(request: IRequest, etag: bytes) -> bool:
    """Whether the client has the picture ``etag`` names already."""
    return etag in (request.getHeader(b"if-none-match") or b"").split(b", ")
