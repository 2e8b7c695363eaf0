"""The internal listener: ``/internal/stream/{id}`` and ``/internal/probe/{id}``."""

from __future__ import annotations

import json

from twisted.web.resource import Resource
from twisted.web.server import Request

from revenge.files.fastpath import InternalHTTPFactory
from revenge.files.resource import (
    InternalStreamResource,
    MediaFile,
    content_type_for,
    holds_internal_token,
    json_error,
)
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord


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
        request.setHeader(b"Content-Type", b"application/json")
        return json.dumps({"id": record.id, **probe.to_json()}).encode()


def build_internal(library: LibraryService, *, token: str, max_ranges: int,
                   timeout: float, log_successes: bool) -> InternalHTTPFactory:
    """The internal listener's protocol factory, with its two routes."""

    def lookup(media_id: str) -> MediaFile | None:
        record: MediaRecord | None = library.get(media_id)
        if record is None:
            return None
        return MediaFile(record.path, content_type_for(record.path))

    return InternalHTTPFactory({
        b"stream": InternalStreamResource(lookup, token=token, max_ranges=max_ranges),
        b"probe": _Probe(library, token),
    }, timeout=timeout, log_successes=log_successes)
