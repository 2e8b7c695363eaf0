"""The internal listener: ``/internal/stream/{id}`` and ``/internal/probe/{id}``."""

from __future__ import annotations

import functools
from typing import cast

from twisted.web.error import UnsupportedMethod
from twisted.web.resource import Resource
from twisted.web.server import Request

from revenge.api.channel import RevengeChannel
from revenge.api.direct import DirectRequest, directable
from revenge.api.request_head import Head
from revenge.api.site import RevengeSite
from revenge.files.conditional import PRECONDITION_HEADERS
from revenge.files.producers import BodyWriter
from revenge.files.resource import (
    InternalStreamResource,
    MediaFile,
    content_type_for,
    holds_internal_token,
)
from revenge.jsonerror import json_body, json_error
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord


@functools.lru_cache(maxsize=1024)
def _media_file(path: str) -> MediaFile:
    """A range read costs less than making its MediaFile (a Path, a type guessed from the
    name): one is kept per file."""
    return MediaFile(path, content_type_for(path))


class _Probe(Resource):
    """``/internal/probe/{id}``: the probe JSON of a media item."""

    isLeaf = True

    def __init__(self, library: LibraryService, token: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._library = library
        self._token = token.encode()

    def render_GET(self, request: Request) -> bytes:
        request.route = "/internal/probe/{id}"  # type: ignore[attr-defined]
        if not holds_internal_token(request, self._token):
            return json_error(request, 401, "unauthorized",
                              "the internal token is missing or wrong")
        media_id = b"/".join(request.postpath or []).decode("ascii", "replace")
        record = self._library.get(media_id)
        if record is None:
            return json_error(request, 404, "media_not_found", "no media with this id")
        probe = record.probe
        return json_body(request, {"id": record.id, **probe.to_json()})


class InternalRoutes(Resource):
    """``/internal/{name}/...`` to the route named ``name``, as a leaf: no traversal objects
    per request, and JSON for every path and method nothing serves."""

    isLeaf = True

    def __init__(self, routes: dict[bytes, Resource]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._routes = routes

    def render(self, request: Request) -> bytes | int:
        parts = request.path.split(b"/")
        route = self._routes.get(parts[2]) if len(parts) > 2 and parts[1] == b"internal" \
            else None
        if route is None:
            return json_error(request, 404, "not_found", "no such resource")
        # What follows /internal/{name}/, unquoted already by RevengeRequest.process.
        request.postpath = (request.postpath or [])[2:]
        try:
            return route.render(request)  # type: ignore[no-any-return]
        except UnsupportedMethod:
            request.setHeader(b"Allow", b"GET, HEAD")
            return json_error(request, 405, "method_not_allowed", "only GET and HEAD")


_STREAM = b"/internal/stream/"
# Preconditions (by canonical name, as a ``directable`` head has them): a head with any
# of them goes to twisted.web.
_CONDITIONAL = frozenset(name.title() for name in (*PRECONDITION_HEADERS, b"if-range"))


class DirectReads:
    """Blackbeard's reads, and any plain read of ``/internal/stream/{id}`` (a ``directable``
    head with the token, for the whole file or one range, nothing conditional), answered
    from the parsed head (``revenge.api.direct``); any other head is left to ``stream``
    through twisted.web, which answers it the same way (a short read there costs about 1.4
    times the CPU: ``benchmarks/request_cost``)."""

    def __init__(self, stream: InternalStreamResource) -> None:
        self._stream = stream

    def __call__(self, head: Head, channel: RevengeChannel) -> bool:
        headers = directable(head)
        if headers is None or not head.path.startswith(_STREAM):
            return False
        media_id = head.path[len(_STREAM):]
        if not (media_id.isascii() and media_id.isalnum()) \
                or not _CONDITIONAL.isdisjoint(headers) \
                or not self._stream.admits(headers.get(b"X-Revenge-Internal-Token", b"")):
            return False
        read = self._stream.plain_read(media_id.decode("ascii"), headers.get(b"Range"))
        if read is None:
            return False
        request = DirectRequest(channel, head, headers, route=InternalStreamResource.ROUTE)
        if read.body.status != 200:
            request.setResponseCode(read.body.status)
        for name, value in read.headers():
            request.setHeader(name, value)
        kind = read.body.kind
        read.metrics.requests[kind].inc()
        BodyWriter(cast(Request, request), read.fd, read.body.pieces,
                   on_bytes=read.metrics.bytes[kind].inc).start()
        return True


def build_internal(library: LibraryService, *, token: str, max_ranges: int,
                   timeout: float, log_successes: bool, node: str | None = None) -> RevengeSite:
    """The internal listener's ``Site``, with its two routes (served zero-copy when the
    listener is plain TCP: see ``revenge.api.listener``)."""

    def lookup(media_id: str) -> MediaFile | None:
        record: MediaRecord | None = library.get(media_id)
        return None if record is None else _media_file(record.path)

    stream = InternalStreamResource(lookup, token=token, max_ranges=max_ranges)
    routes: dict[bytes, Resource] = {b"stream": stream, b"probe": _Probe(library, token)}
    return RevengeSite(InternalRoutes(routes), listener="internal", timeout=timeout,
                       log_successes=log_successes, node=node, direct=DirectReads(stream))
