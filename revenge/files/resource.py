"""The resources that serve original files: one file with full RFC 9110 semantics, and the
internal ``/internal/stream/{media_id}`` tree Blackbeard reads from.

Requests name media by id only; a path from a request never reaches the file system.
"""

from __future__ import annotations

import hmac
import mimetypes
import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.files.conditional import (
    etag_for,
    evaluate,
    http_date,
    if_range_holds,
    last_modified_is_strong,
)
from revenge.files.metrics import RouteMetrics
from revenge.files.producers import BodyWriter, Piece, piece_length
from revenge.files.ranges import DEFAULT_MAX_RANGES, FULL, ByteRange, RangeRequest, parse_range
from revenge.jsonerror import json_error

_log = Logger()
_EXTRA_TYPES = {".mkv": "video/x-matroska", ".ts": "video/mp2t", ".m4v": "video/x-m4v",
                ".webm": "video/webm", ".flac": "audio/flac", ".opus": "audio/ogg",
                ".m4a": "audio/mp4", ".mka": "audio/x-matroska"}
_SAFE = (b"GET", b"HEAD")


def content_type_for(path: str | os.PathLike[str]) -> str:
    """The media type a file's name suggests."""
    suffix = os.path.splitext(path)[1].lower()
    return (_EXTRA_TYPES.get(suffix) or mimetypes.guess_type(os.fspath(path))[0]
            or "application/octet-stream")


def _as_path(value: str | os.PathLike[str]) -> Path:
    return value if isinstance(value, Path) else Path(value)


@attrs.frozen
class MediaFile:
    """A file to serve, as the library knows it (``path`` may be given as a ``str``)."""

    path: Path = attrs.field(converter=_as_path)
    content_type: str


class _WallClock:
    """``IReactorTime.seconds`` without importing (and so installing) the global reactor."""

    @staticmethod
    def seconds() -> float:
        return time.time()


_WALL_CLOCK = _WallClock()


def serve_file(
    request: Request,
    media: MediaFile,
    *,
    metrics: RouteMetrics,
    max_ranges: int = DEFAULT_MAX_RANGES,
    clock: IReactorTime | _WallClock = _WALL_CLOCK,
) -> bytes | int:
    """Answer a GET or HEAD ``request`` with ``media``: validators, preconditions, ranges.

    Returns what ``Resource.render`` returns (a body or ``NOT_DONE_YET``).
    """
    if request.method not in _SAFE:
        request.setHeader(b"Allow", b"GET, HEAD")
        return json_error(request, 405, "method_not_allowed", "only GET and HEAD")
    try:
        fd = os.open(media.path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        _log.warn("media file vanished: {path}", path=str(media.path))
        return json_error(request, 404, "media_missing", "the media file is gone")
    except OSError as e:
        _log.error("cannot open media file {path}: {error}", path=str(media.path),
                   error=e.strerror)
        return json_error(request, 500, "media_unreadable", "the media file cannot be read")
    answer: bytes | BodyWriter | None = b""
    try:
        answer = _respond(request, _headers(request), fd, media, metrics, max_ranges, clock)
    finally:
        if not isinstance(answer, BodyWriter):
            os.close(fd)
    if answer is None:
        return NOT_DONE_YET
    if isinstance(answer, BodyWriter):
        answer.start()
        return NOT_DONE_YET
    return answer


def _headers(request: Request) -> dict[bytes, bytes]:
    """The request's headers by lower-case name, each its last value (as ``getHeader``):
    read once rather than looked up six times."""
    return {name.lower(): values[-1]
            for name, values in request.requestHeaders.getAllRawHeaders()}


def _respond(
    request: Request, headers: dict[bytes, bytes], fd: int, media: MediaFile,
    metrics: RouteMetrics, max_ranges: int, clock: IReactorTime | _WallClock,
) -> bytes | BodyWriter | None:
    """Set status and headers; then the body for ``render`` to return (JSON errors, HEAD's
    empty one), the writer that will stream it, or None when the response is complete."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return json_error(request, 404, "media_missing", "not a regular file")
    etag, modified = etag_for(st), int(st.st_mtime)
    request.setHeader(b"ETag", etag)
    refused = _preconditions(request, headers, metrics, etag, modified)
    if refused is not _PROCEED:
        return refused
    request.setHeader(b"Last-Modified", http_date(modified))
    request.setHeader(b"Accept-Ranges", b"bytes")
    wanted = _wanted(request, headers, st, etag, max_ranges, clock)
    if wanted.kind == "unsatisfiable":
        metrics.requests["unsatisfiable"].inc()
        request.setHeader(b"Content-Range", b"bytes */%d" % st.st_size)
        return json_error(request, 416, "range_not_satisfiable", "no satisfiable range")
    kind, pieces = _pieces(request, wanted, st.st_size, media.content_type.encode())
    length = sum(piece_length(p) for p in pieces)
    metrics.requests[kind].inc()
    request.setHeader(b"Content-Length", b"%d" % length)
    if request.method == b"HEAD" or length == 0:
        # Twisted keeps our Content-Length for a HEAD rendered as b"" (and it is 0 anyway
        # for an empty file).
        return b""
    return BodyWriter(request, fd, pieces, on_bytes=metrics.bytes[kind].inc)


# Not a body: the request passed its preconditions (compared by identity).
_PROCEED = b"proceed"


def _preconditions(
    request: Request, headers: dict[bytes, bytes], metrics: RouteMetrics, etag: bytes,
    modified: int,
) -> bytes | None:
    """§13.2: ``_PROCEED``, or the finished 304 (None) or the 412 body."""
    outcome = evaluate(request.method, headers, etag=etag, last_modified=modified)
    if outcome == "not_modified":
        # §15.4.5: the 200 would carry no Cache-Control, Content-Location, Expires or Vary,
        # and ETag is sent, so nothing more: no Last-Modified, no representation metadata.
        metrics.requests["not_modified"].inc()
        request.setResponseCode(304)
        # Finished here: a body returned from render() would add "Content-Length: 0",
        # which §8.6 forbids on a 304 unless it is the length a 200 would have.
        request.write(b"")
        request.finish()
        return None
    if outcome == "precondition_failed":
        metrics.requests["precondition_failed"].inc()
        return json_error(request, 412, "precondition_failed", "a precondition failed")
    return _PROCEED


def _wanted(
    request: Request, headers: dict[bytes, bytes], st: os.stat_result, etag: bytes,
    max_ranges: int, clock: IReactorTime | _WallClock,
) -> RangeRequest:
    """The ranges asked for: §14.2 honours Range only on GET, and If-Range may veto it
    (§13.1.5)."""
    range_header = headers.get(b"range")
    if range_header is None or request.method != b"GET":
        return FULL
    if_range = headers.get(b"if-range")
    if if_range is not None and not if_range_holds(
        if_range, etag=etag, last_modified=int(st.st_mtime),
        date_is_strong=last_modified_is_strong(st, clock.seconds()),
    ):
        return FULL
    return parse_range(range_header, st.st_size, max_ranges=max_ranges)


def _pieces(
    request: Request, wanted: RangeRequest, size: int, content_type: bytes
) -> tuple[str, list[Piece]]:
    """Set status and Content-Type(-Range) for a satisfiable request; its kind and body."""
    plain = plain_body(wanted, size, content_type)
    if plain is None:
        return "multi", _multipart(request, wanted.ranges, size, content_type)
    if plain.status != 200:
        request.setResponseCode(plain.status)
    for name, value in plain.headers:
        request.setHeader(name, value)
    return plain.kind, list(plain.pieces)


@attrs.frozen
class PlainBody:
    """The answer to a request for the whole file or one range of it."""

    kind: str  # "full" or "single", as the route metrics count them
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # the representation's, after the validators
    pieces: tuple[ByteRange, ...]


def plain_body(wanted: RangeRequest, size: int, content_type: bytes) -> PlainBody | None:
    """Status, headers and body of a satisfiable request for the whole file or one range;
    None when it asks for several ranges."""
    if wanted.kind == "full":
        return PlainBody("full", 200, ((b"Content-Type", content_type),),
                         (ByteRange(0, size - 1),) if size else ())
    if len(wanted.ranges) == 1:
        (only,) = wanted.ranges
        return PlainBody("single", 206, ((b"Content-Type", content_type),
                                         (b"Content-Range", only.content_range(size))), (only,))
    return None


def _multipart(
    request: Request, ranges: tuple[ByteRange, ...], size: int, content_type: bytes
) -> list[Piece]:
    """Set the 206 multipart headers; the body as pieces (part headers, ranges, the close)."""
    boundary = secrets.token_hex(12).encode()
    request.setResponseCode(206)
    request.setHeader(b"Content-Type", b"multipart/byteranges; boundary=" + boundary)
    pieces: list[Piece] = []
    for number, part in enumerate(ranges):
        pieces.append(b"%s--%s\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n" % (
            b"\r\n" if number else b"", boundary, content_type, part.content_range(size)))
        pieces.append(part)
    pieces.append(b"\r\n--%s--\r\n" % boundary)
    return pieces


_DEFAULT_METRICS = RouteMetrics("file")


class FileResource(Resource):
    """GET and HEAD of one file: validators, preconditions, ranges, multipart.

    Mount it from a Klein route (return it) for direct play; share one ``RouteMetrics``
    per route rather than making one per request.
    """

    isLeaf = True

    def __init__(self, media: MediaFile, *, metrics: RouteMetrics | None = None,
                 max_ranges: int = DEFAULT_MAX_RANGES, clock: IReactorTime | None = None,
                 ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._media = media
        self._metrics = metrics or _DEFAULT_METRICS
        self._max_ranges = max_ranges
        self._clock: IReactorTime | _WallClock = clock or _WALL_CLOCK

    def render(self, request: Request) -> bytes | int:
        """Serve the file."""
        return serve_file(request, self._media, metrics=self._metrics,
                          max_ranges=self._max_ranges, clock=self._clock)


def holds_internal_token(request: Request, token: bytes) -> bool:
    """Whether ``request`` shows the internal token (compared in constant time)."""
    return hmac.compare_digest(request.getHeader(b"x-revenge-internal-token") or b"", token)


class InternalStreamResource(Resource):
    """``/internal/stream/{media_id}``: a file by id, for holders of the internal token.

    ``lookup`` maps an id to a ``MediaFile`` (or None) without blocking; the request path is
    only ever an id handed to it. A leaf, so a request costs no traversal objects.
    """

    ROUTE = "/internal/stream/{id}"
    isLeaf = True

    def __init__(self, lookup: Callable[[str], MediaFile | None], *, token: str,
                 max_ranges: int = DEFAULT_MAX_RANGES, clock: IReactorTime | None = None,
                 ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lookup = lookup
        self._token = token.encode()
        self._max_ranges = max_ranges
        self._clock: IReactorTime | _WallClock = clock or _WALL_CLOCK
        self._metrics = RouteMetrics(self.ROUTE)

    def admits(self, token: bytes) -> bool:
        """Whether ``token`` is the internal token (compared in constant time)."""
        return hmac.compare_digest(token, self._token)

    def render(self, request: Request) -> bytes | int:
        """Check the token, look the id up, serve the file."""
        request.route = self.ROUTE  # type: ignore[attr-defined]
        if not self.admits(request.getHeader(b"x-revenge-internal-token") or b""):
            return json_error(request, 401, "unauthorized",
                              "the internal token is missing or wrong")
        postpath = request.postpath or []
        if len(postpath) != 1 or not postpath[0]:
            return json_error(request, 404, "not_found", "name one media id")
        try:
            media_id = postpath[0].decode("ascii")
        except UnicodeDecodeError:
            return json_error(request, 404, "media_not_found", "no media with this id")
        media = self._lookup(media_id)
        if media is None:
            return json_error(request, 404, "media_not_found", "no media with this id")
        return serve_file(request, media, metrics=self._metrics,
                          max_ranges=self._max_ranges, clock=self._clock)

    def plain_read(self, media_id: str, range_header: bytes | None) -> PlainRead | None:
        """An unconditional GET of media ``media_id``, whole or one range of it: the open file
        and the answer ``render`` would give; None for anything else (no such media or file,
        several ranges, none satisfiable), which ``render`` answers."""
        media = self._lookup(media_id)
        if media is None:
            return None
        try:
            fd = os.open(media.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        read = None
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode):
                wanted = FULL if range_header is None else parse_range(
                    range_header, st.st_size, max_ranges=self._max_ranges)
                body = None if wanted.kind == "unsatisfiable" else plain_body(
                    wanted, st.st_size, media.content_type.encode())
                if body is not None:
                    read = PlainRead(fd, body, st, self._metrics)
        finally:
            if read is None:
                os.close(fd)
        return read


@attrs.frozen
class PlainRead:
    """An open file and the plain answer to a read of it (``plain_read``)."""

    fd: int
    body: PlainBody
    stat: os.stat_result
    metrics: RouteMetrics

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Its headers, in the order ``serve_file`` sets them."""
        length = sum(piece.length for piece in self.body.pieces)
        return [(b"ETag", etag_for(self.stat)),
                (b"Last-Modified", http_date(int(self.stat.st_mtime))),
                (b"Accept-Ranges", b"bytes"), *self.body.headers,
                (b"Content-Length", b"%d" % length)]
