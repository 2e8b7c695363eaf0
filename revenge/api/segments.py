"""The segment route, dispatched by the ``Site`` before Klein: the hottest public path.

A player asks for a segment every few seconds per session, and each answer is megabytes
sent zero-copy, so werkzeug's routing and Klein's Deferred chain were a fair share of what
a segment cost. Manifests and everything else stay on Klein.
"""

from __future__ import annotations

import re
from typing import cast, get_args

from twisted.internet.defer import CancelledError, Deferred
from twisted.logger import Logger
from twisted.web.http import parse_qs
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.api.channel import RevengeChannel
from revenge.api.direct import DirectRequest, directable
from revenge.api.errors import error_response, playback_error_response
from revenge.api.request_head import Head
from revenge.api.response_headers import HeaderSet
from revenge.blackbeard.naming import content_type
from revenge.files.producers import BodyWriter, Memory, OnDone
from revenge.files.ranges import FULL, parse_range
from revenge.playback.buffer import Source
from revenge.playback.cmcd import HEADERS as CMCD_HEADERS
from revenge.playback.cmcd import Cmcd, parse_cmcd
from revenge.playback.errors import PlaybackError, StreamRefused
from revenge.playback.streaming import Streaming

# session id / rendition / segment name; not /api/v1/playback/sessions/{id}/progress,
# which has the same shape. Names are checked again by the contract's naming rules.
SEGMENT_PATH = re.compile(
    rb"^/api/v1/playback/(?!sessions/)([A-Za-z0-9_-]{1,64})/([A-Za-z0-9_-]{1,32})/([0-9]{1,7}\.[a-z0-9]{1,4})$")
ROUTE = "/api/v1/playback/<session_id>/<profile>/<name>"
_PRIVATE = {b"Cache-Control": b"private, max-age=3600"}  # a segment's bytes never change
_CACHED = HeaderSet(_PRIVATE)
_SERVED_FROM = {source: HeaderSet({**_PRIVATE, b"X-Served-From": source.encode()})
                for source in get_args(Source)}
_RANGES = HeaderSet({b"Accept-Ranges": b"bytes"})
_log = Logger()


def write_segment(request: Request, data: bytes, *, kind: str,
                  on_sent: OnDone | None = None) -> None:
    """Answer ``request`` with a segment held in memory (headers only for HEAD).

    A single ``Range`` is honoured (206; some players and ffmpeg ask ``bytes=0-`` and treat
    a segment without ``Accept-Ranges`` as unseekable); several ranges get the whole one.
    """
    request.setHeader(b"Content-Type", kind.encode())
    _RANGES.store(request)
    wanted = parse_range(request.getHeader(b"range"), len(data), max_ranges=1) \
        if request.method == b"GET" else FULL
    if wanted.kind == "unsatisfiable":
        request.setHeader(b"Content-Range", b"bytes */%d" % len(data))
        request.write(error_response(request, 416, "range_not_satisfiable",
                                     "no satisfiable range"))
        request.finish()
        return
    if wanted.kind == "partial":
        (part,) = wanted.ranges
        request.setResponseCode(206)
        request.setHeader(b"Content-Range", part.content_range(len(data)))
        data = data[part.start : part.end + 1]
    request.setHeader(b"Content-Length", b"%d" % len(data))
    if request.method == b"HEAD":
        request.finish()
        return
    BodyWriter(request, None, [Memory(data)], on_done=on_sent).start()


class SegmentRoute(Resource):
    """GET and HEAD of ``/api/v1/playback/{session}/{profile}/{segment}?t=TOKEN``."""

    isLeaf = True

    def __init__(self, streaming: Streaming) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._streaming = streaming

    def match(self, request: Request) -> Resource | None:
        """This resource when ``request`` is for a segment (not a playlist), else None."""
        found = None if request.path.endswith(b".m3u8") else SEGMENT_PATH.match(request.path)
        if found is None:
            return None
        request.segment = found.groups()  # type: ignore[attr-defined]  # for render
        return self

    def render(self, request: Request) -> bytes | int:
        request.route = ROUTE  # type: ignore[attr-defined]
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"Allow", b"GET, HEAD")
            return error_response(request, 405, "method_not_allowed", "only GET and HEAD")
        self._start(request, request.segment, request.args)  # type: ignore[attr-defined]
        return NOT_DONE_YET

    def direct(self, head: Head, channel: RevengeChannel) -> bool:
        """Answer a player's segment GET (a ``directable`` head) without a twisted.web
        Request (``revenge.api.direct``); False for any other head, which ``render``
        answers."""
        headers = directable(head)
        if headers is None:
            return False
        path, mark, query = head.path.partition(b"?")
        found = None if path.endswith(b".m3u8") else SEGMENT_PATH.match(path)
        if found is None:
            return False
        request = DirectRequest(channel, head, headers, route=ROUTE)
        # It does all a Request does for this route (and a test holds it to the same bytes);
        # the query is read as twisted.web reads it.
        self._start(cast(Request, request), found.groups(), parse_qs(query, 1) if mark else {})
        return True

    def _start(self, request: Request, segment: tuple[bytes, ...],
               args: dict[bytes, list[bytes]]) -> None:
        session_id, profile, name = (part.decode("ascii") for part in segment)
        token = (args.get(b"t") or [b""])[0].decode("ascii", "replace")
        cmcd = parse_cmcd(args.get(b"CMCD", []),
                          [v for h in CMCD_HEADERS if (v := request.getHeader(h)) is not None])
        serving = Deferred.fromCoroutine(
            self._serve(request, session_id, profile, name, token, cmcd))
        # A player that gave up on the segment (a seek) no longer holds its fetch: the buffer
        # may then drop it, rather than have the transcoder make it, or go back there.
        request.notifyFinish().addErrback(lambda _: serving.cancel())

    async def _serve(self, request: Request, session_id: str, profile: str, name: str,
                     token: str, cmcd: Cmcd | None) -> None:
        try:
            if not token:
                raise StreamRefused("the stream URL carries no token", code="token_missing")
            if name.endswith(".vtt"):
                vtt = await self._streaming.subtitle_segment(session_id, profile, name, token)
                self._subtitles(request, vtt, name)
                return
            delivery, session = await self._streaming.segment(session_id, profile, name, token,
                                                              cmcd)
        except PlaybackError as e:
            self._answer(request, playback_error_response(request, e))
            return
        except CancelledError:  # the player went away
            return
        except Exception:
            _log.failure("segment {name} of session {session} failed", name=name,
                         session=session_id)
            self._answer(request, error_response(request, 500, "internal",
                                                 "internal server error"))
            return
        if request._disconnected:  # the player went away while the segment was fetched
            return
        _SERVED_FROM[delivery.source].store(request)
        # "segment served" said it all, or was not wanted ([server] log_segments)
        request.logged = True  # type: ignore[attr-defined]
        write_segment(request, delivery.data, kind=content_type(name),
                      on_sent=session.adapter.segment_sent)

    @staticmethod
    def _subtitles(request: Request, data: bytes, name: str) -> None:
        # Not timed for adaptation: a few hundred bytes say nothing of the network.
        if not request._disconnected:
            _CACHED.store(request)
            write_segment(request, data, kind=content_type(name))

    @staticmethod
    def _answer(request: Request, body: bytes) -> None:
        if request._disconnected:
            return
        if request.method != b"HEAD":
            request.write(body)
        request.finish()
