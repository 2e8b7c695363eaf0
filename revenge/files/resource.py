"""The resources that serve original files: one file with full RFC 9110 semantics, and the
internal ``/internal/stream/{media_id}`` tree Blackbeard reads from.

Requests name media by id only; a path from a request never reaches the file system.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import os
import secrets
import stat
from collections.abc import Callable

import attrs
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.files.body import BodyWriter, Piece
from revenge.files.conditional import etag_for, evaluate, http_date, if_range_holds
from revenge.files.metrics import RouteMetrics
from revenge.files.ranges import FULL, ByteRange, parse_range

_log = Logger()
_EXTRA_TYPES = {".mkv": "video/x-matroska", ".ts": "video/mp2t", ".m4v": "video/x-m4v",
                ".webm": "video/webm", ".flac": "audio/flac", ".opus": "audio/ogg",
                ".m4a": "audio/mp4", ".mka": "audio/x-matroska"}
_HEADERS = (b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since")


def content_type_for(path: str) -> str:
    """The media type a file's name suggests."""
    suffix = os.path.splitext(path)[1].lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


@attrs.frozen
class MediaFile:
    """A file to serve, as the library knows it."""

    path: str
    content_type: str


def json_error(request: Request, status: int, code: str, message: str) -> bytes:
    """Answer with a JSON error body."""
    request.setResponseCode(status)
    request.setHeader(b"Content-Type", b"application/json")
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class FileResource(Resource):
    """GET and HEAD of one file: validators, preconditions, ranges, multipart."""

    isLeaf = True

    def __init__(self, media: MediaFile, *, metrics: RouteMetrics, max_ranges: int = 16) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._media = media
        self._metrics = metrics
        self._max_ranges = max_ranges

    def render(self, request: Request) -> bytes | int:
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"Allow", b"GET, HEAD")
            return json_error(request, 405, "method_not_allowed", "only GET and HEAD")
        try:
            fd = os.open(self._media.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            _log.warn("media file vanished: {path}", path=self._media.path)
            return json_error(request, 404, "media_missing", "the file is gone")
        except OSError as e:
            _log.error("cannot open media file {path}: {error}", path=self._media.path,
                       error=e.strerror)
            return json_error(request, 500, "media_unreadable", "the file cannot be read")
        try:
            return self._render_open(request, fd)
        except BaseException:
            os.close(fd)
            raise

    def _render_open(self, request: Request, fd: int) -> bytes | int:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return json_error(request, 404, "media_missing", "not a regular file")
        size, etag, modified = st.st_size, etag_for(st), int(st.st_mtime)
        request.setHeader(b"ETag", etag)
        headers = {name: request.getHeader(name) for name in _HEADERS}
        outcome = evaluate(request.method, headers, etag=etag, last_modified=modified)
        if outcome == "not_modified":
            # §15.4.5: validators only, no representation metadata, no body.
            os.close(fd)
            self._metrics.requests["not_modified"].inc()
            request.setResponseCode(304)
            return b""
        if outcome == "precondition_failed":
            os.close(fd)
            self._metrics.requests["precondition_failed"].inc()
            return json_error(request, 412, "precondition_failed", "a precondition failed")
        request.setHeader(b"Last-Modified", http_date(modified))
        request.setHeader(b"Accept-Ranges", b"bytes")
        wanted = FULL
        # §14.2: Range only on GET, and If-Range may veto it.
        if request.method == b"GET" and if_range_holds(
            request.getHeader(b"if-range"), etag=etag, last_modified=modified
        ):
            wanted = parse_range(request.getHeader(b"range"), size, max_ranges=self._max_ranges)
        content_type = self._media.content_type.encode()
        pieces: list[Piece]
        if wanted.kind == "unsatisfiable":
            os.close(fd)
            self._metrics.requests["unsatisfiable"].inc()
            request.setHeader(b"Content-Range", b"bytes */%d" % size)
            return json_error(request, 416, "range_not_satisfiable", "no satisfiable range")
        if wanted.kind == "full":
            self._metrics.requests["full"].inc()
            request.setResponseCode(200)
            request.setHeader(b"Content-Type", content_type)
            pieces = [ByteRange(0, size - 1)] if size else []
            length = size
        elif len(wanted.ranges) == 1:
            (only,) = wanted.ranges
            self._metrics.requests["single"].inc()
            request.setResponseCode(206)
            request.setHeader(b"Content-Type", content_type)
            request.setHeader(b"Content-Range", only.content_range(size))
            pieces = [only]
            length = only.length
        else:
            self._metrics.requests["multi"].inc()
            boundary = secrets.token_hex(12).encode()
            request.setResponseCode(206)
            request.setHeader(b"Content-Type", b"multipart/byteranges; boundary=" + boundary)
            pieces = []
            for number, part in enumerate(wanted.ranges):
                pieces.append(b"%s--%s\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n" % (
                    b"\r\n" if number else b"", boundary, content_type, part.content_range(size)))
                pieces.append(part)
            pieces.append(b"\r\n--%s--\r\n" % boundary)
            length = sum(p.length if isinstance(p, ByteRange) else len(p) for p in pieces)
        request.setHeader(b"Content-Length", b"%d" % length)
        if request.method == b"HEAD" or length == 0:
            os.close(fd)
            if length == 0:
                return b""
            request.write(b"")  # headers only; render() must not reset Content-Length
            request.finish()
            return NOT_DONE_YET
        BodyWriter(request, fd, pieces, on_bytes=self._metrics.bytes.inc).start()
        return NOT_DONE_YET


class _Error(Resource):
    isLeaf = True

    def __init__(self, status: int, code: str, message: str, **headers: bytes) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._answer = (status, code, message)
        self._headers = headers

    def render(self, request: Request) -> bytes:
        for name, value in self._headers.items():
            request.setHeader(name.replace("_", "-").encode(), value)
        return json_error(request, *self._answer)


class InternalStreamResource(Resource):
    """``/internal/stream/{media_id}``: a file by id, for holders of the internal token."""

    ROUTE = "/internal/stream/{id}"

    def __init__(self, lookup: Callable[[str], MediaFile | None], *, token: str,
                 max_ranges: int = 16) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lookup = lookup
        self._token = token.encode()
        self._max_ranges = max_ranges
        self._metrics = RouteMetrics(self.ROUTE)

    def getChild(self, path: bytes, request: Request) -> Resource:
        request.route = self.ROUTE  # type: ignore[attr-defined]
        given = request.getHeader(b"x-revenge-internal-token") or b""
        if not hmac.compare_digest(given, self._token):
            return _Error(401, "unauthorized", "the internal token is missing or wrong")
        if request.postpath:  # anything below an id is not a file
            return _Error(404, "not_found", "no such resource")
        try:
            media_id = path.decode("ascii")
        except UnicodeDecodeError:
            return _Error(404, "media_not_found", "no media with this id")
        media = self._lookup(media_id)
        if media is None:
            return _Error(404, "media_not_found", "no media with this id")
        return FileResource(media, metrics=self._metrics, max_ranges=self._max_ranges)

    def render(self, request: Request) -> bytes:
        return json_error(request, 404, "not_found", "name a media id")
