"""The segment route, dispatched by the ``Site`` before Klein: the hottest public path.

A player asks for a segment every few seconds per session, and each answer is megabytes
sent zero-copy, so werkzeug's routing and Klein's Deferred chain were a fair share of what
a segment cost. Manifests and everything else stay on Klein.
"""

from __future__ import annotations

import re

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.api.errors import error_response, playback_error_response
from revenge.playback.cmcd import HEADERS as CMCD_HEADERS
from revenge.playback.cmcd import parse_cmcd
from revenge.playback.errors import PlaybackError, StreamRefused
from revenge.playback.streaming import Streaming
from revenge.playback.writer import write_segment

# (Not /api/v1/playback/sessions/{id}/progress, which has the same shape.)
SEGMENT_PATH = re.compile(
    rb"^/api/v1/playback/(?!sessions/)([A-Za-z0-9_-]{1,64})/([A-Za-z0-9_-]{1,64})/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})$")
ROUTE = "/api/v1/playback/<session_id>/<profile>/<name>"
SEGMENT_TYPES = {"ts": "video/mp2t", "m4s": "video/iso.segment", "mp4": "video/mp4",
                 "aac": "audio/aac", "vtt": "text/vtt"}
_log = Logger()


class SegmentRoute(Resource):
    """GET and HEAD of ``/api/v1/playback/{session}/{profile}/{segment}?t=TOKEN``."""

    isLeaf = True

    def __init__(self, streaming: Streaming) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._streaming = streaming

    def match(self, request: Request) -> Resource | None:
        """This resource when ``request`` is for a segment (not a playlist), else None."""
        if request.path.endswith(b".m3u8") or SEGMENT_PATH.match(request.path) is None:
            return None
        return self

    def render(self, request: Request) -> bytes | int:
        request.route = ROUTE  # type: ignore[attr-defined]
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"Allow", b"GET, HEAD")
            return error_response(request, 405, "method_not_allowed", "only GET and HEAD")
        match = SEGMENT_PATH.match(request.path)
        assert match is not None
        session_id, profile, name = (part.decode("ascii") for part in match.groups())
        Deferred.fromCoroutine(self._serve(request, session_id, profile, name))
        return NOT_DONE_YET

    async def _serve(self, request: Request, session_id: str, profile: str, name: str) -> None:
        token = (request.args.get(b"t") or [b""])[0].decode("ascii", "replace")
        cmcd = parse_cmcd(request.args.get(b"CMCD", []),
                          [v for h in CMCD_HEADERS if (v := request.getHeader(h)) is not None])
        try:
            if not token:
                raise StreamRefused("the stream URL carries no token", code="token_missing")
            delivery, session = await self._streaming.segment(session_id, profile, name, token,
                                                              cmcd)
        except PlaybackError as e:
            self._answer(request, playback_error_response(request, e))
            return
        except Exception:
            _log.failure("segment {name} of session {session} failed", name=name,
                         session=session_id)
            self._answer(request, error_response(request, 500, "internal",
                                                 "internal server error"))
            return
        if request._disconnected:  # the player went away while the segment was fetched
            return
        request.setHeader(b"X-Served-From", delivery.source.encode())
        request.setHeader(b"Cache-Control", b"private, max-age=3600")
        request.logged = True  # type: ignore[attr-defined]  # "segment served" said it all
        kind = SEGMENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        write_segment(request, delivery.data, content_type=kind,
                      on_sent=session.adapter.segment_sent)

    @staticmethod
    def _answer(request: Request, body: bytes) -> None:
        if request._disconnected:
            return
        if request.method != b"HEAD":
            request.write(body)
        request.finish()
