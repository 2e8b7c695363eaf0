"""The Blackbeard contract over HTTP (Klein): what the client in ``revenge.blackbeard`` speaks."""

from __future__ import annotations

import json
import re
from typing import Any

from klein import Klein
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.web.iweb import IRequest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from revenge.blackbeard.contract import ContractError, TranscodeRequest
from revenge.transcoder.manager import Busy, TranscoderService
from revenge.transcoder.playlists import master_playlist, media_playlist
from revenge.transcoder.transcode import NotYet, Transcode

_log = Logger()
PLAYLIST = b"application/vnd.apple.mpegurl"
_SEGMENT = re.compile(r"^(\d{1,6})\.ts$")
MAX_BODY = 256 * 1024


class _Error(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def _json(request: IRequest, doc: Any, status: int = 200) -> bytes:
    request.setResponseCode(status)
    request.setHeader(b"Content-Type", b"application/json")
    return json.dumps(doc).encode()


def build_app(service: TranscoderService) -> Klein:
    """The contract's routes over ``service``."""
    app = Klein()

    def transcode(transcode_id: str) -> Transcode:
        found = service.transcodes.get(transcode_id)
        if found is None:
            raise _Error(404, "transcode_not_found", "no such transcode")
        return found

    @app.handle_errors(_Error)
    def error(request: IRequest, failure: Any) -> bytes:
        e = failure.value
        if e.retry_after is not None:
            request.setHeader(b"Retry-After", str(e.retry_after).encode())
        return _json(request, {"error": {"code": e.code, "message": e.message}}, e.status)

    @app.handle_errors(NotFound)
    def not_found(request: IRequest, failure: Any) -> bytes:
        return _json(request, {"error": {"code": "not_found", "message": "no such resource"}},
                     404)

    @app.handle_errors(MethodNotAllowed)
    def not_allowed(request: IRequest, failure: Any) -> bytes:
        return _json(request, {"error": {"code": "method_not_allowed",
                                         "message": "method not allowed"}}, 405)

    @app.handle_errors
    def internal(request: IRequest, failure: Any) -> bytes:
        _log.failure("transcoder request failed", failure)
        return _json(request, {"error": {"code": "internal", "message": "internal error"}}, 500)

    @app.route("/api/v1/health")
    def health(request: IRequest) -> bytes:
        return _json(request, {"status": "ok", "encoders": len(service.encoders),
                               "max_encoders": service.max_encoders})

    @app.route("/api/v1/transcodes", methods=["POST"])
    def create(request: IRequest) -> bytes:
        raw = request.content.read(MAX_BODY + 1)
        try:
            if len(raw) > MAX_BODY:
                raise ContractError("the body is too large")
            body = TranscodeRequest.from_json(json.loads(raw))
        except (ValueError, ContractError) as e:
            raise _Error(400, "bad_request", str(e)) from None
        return _json(request, {"id": service.create(body).id}, 201)

    @app.route("/api/v1/transcodes/<string:transcode_id>")
    def status(request: IRequest, transcode_id: str) -> bytes:
        return _json(request, transcode(transcode_id).status().to_json())

    @app.route("/api/v1/transcodes/<string:transcode_id>", methods=["DELETE"])
    async def delete(request: IRequest, transcode_id: str) -> bytes:
        if not await service.delete(transcode_id):
            raise _Error(404, "transcode_not_found", "no such transcode")
        request.setResponseCode(204)
        return b""

    @app.route("/api/v1/transcodes/<string:transcode_id>/master.m3u8")
    def master(request: IRequest, transcode_id: str) -> bytes:
        request.setHeader(b"Content-Type", PLAYLIST)
        return master_playlist(transcode(transcode_id).request).encode()

    @app.route("/api/v1/transcodes/<string:transcode_id>/<string:profile>/index.m3u8")
    def playlist(request: IRequest, transcode_id: str, profile: str) -> bytes:
        found = transcode(transcode_id)
        if profile not in found.profiles:
            raise _Error(404, "profile_not_found", "no such profile")
        request.setHeader(b"Content-Type", PLAYLIST)
        return media_playlist(found.request).encode()

    @app.route("/api/v1/transcodes/<string:transcode_id>/<string:profile>/<string:name>")
    async def segment(request: IRequest, transcode_id: str, profile: str, name: str) -> bytes:
        found = transcode(transcode_id)
        match = _SEGMENT.match(name)
        if profile not in found.profiles or match is None:
            raise _Error(404, "segment_not_found", "no such segment")
        index = int(match.group(1))
        if index >= found.segment_count:
            raise _Error(404, "segment_not_found", "past the end of the media")
        try:
            path = await found.segment(profile, index)
        except Busy as e:
            raise _Error(503, "busy", str(e), retry_after=2) from None
        except NotYet as e:
            raise _Error(503, "not_yet", f"segment {index} is not ready: {e}",
                         retry_after=1) from None
        data: bytes = await deferToThread(path.read_bytes)
        request.setHeader(b"Content-Type", b"video/mp2t")
        return data

    return app
