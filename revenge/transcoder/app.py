"""The Blackbeard contract over HTTP (a Klein app of its own): routes parse, call the
service, and render. Errors are ``{"error": {"code", "message"}}``.

Segments are named as ``revenge.blackbeard.naming`` says (``0.ts``, ``1.ts``, ...). Nothing
a request carries reaches the file system: ids, rendition names and segment names are matched
strictly and mapped to paths by the service's own tables. A failure of one media (its
source cannot be read or encoded) is a ``422 media_failed``, never a 5xx: it says nothing
about this Blackbeard's health.
"""

from __future__ import annotations

import json
from pathlib import Path

from klein import Klein
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IRequest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from revenge.blackbeard.contract import ContractError, TranscodeRequest
from revenge.blackbeard.naming import segment_index
from revenge.jsonerror import json_body, json_error
from revenge.transcoder.manager import TRANSCODE_ID, Busy, TranscoderService
from revenge.transcoder.playlists import master_playlist, media_playlist
from revenge.transcoder.transcode import EncoderFailed, NotYet, Transcode

_log = Logger()
PLAYLIST = b"application/vnd.apple.mpegurl"
MAX_BODY = 256 * 1024


class _Error(Exception):
    def __init__(self, status: int, code: str, message: str,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


def _playlist(request: IRequest, text: str) -> bytes:
    body = text.encode()
    request.setHeader(b"Content-Type", PLAYLIST)
    request.setHeader(b"Cache-Control", b"no-cache, no-store, must-revalidate")
    request.setHeader(b"Content-Length", b"%d" % len(body))
    return body


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _profile_of(found: Transcode, profile: str) -> str:
    if profile not in found.profiles:
        raise _Error(404, "profile_not_found", "no such profile in this transcode")
    return profile


async def _segment_file(found: Transcode, profile: str, index: int) -> bytes:
    """A finished segment's bytes, its waits and failures said in the contract's words."""
    try:
        path = await found.segment(profile, index)
        data: bytes = await deferToThread(_read, path)
    except Busy as e:
        raise _Error(503, "busy", str(e), retry_after=2) from None
    except NotYet as e:
        raise _Error(503, "not_ready", str(e), retry_after=1) from None
    except EncoderFailed as e:
        raise _Error(422, "media_failed", str(e)) from None
    except FileNotFoundError:
        # Deleted (or reaped) while this request was reading it.
        raise _Error(404, "transcode_not_found", "the transcode was deleted") from None
    return data


def _transcode_request(raw: bytes) -> TranscodeRequest:
    """A POSTed body as the contract's request, or a 400 naming what is wrong."""
    try:
        if len(raw) > MAX_BODY:
            raise ContractError("the body is too large")
        return TranscodeRequest.from_json(json.loads(raw))
    except (ValueError, ContractError) as e:  # JSONDecodeError is a ValueError
        raise _Error(400, "bad_request", str(e)) from None


def _install_errors(app: Klein) -> None:
    @app.handle_errors(_Error)
    def error(request: IRequest, failure: Failure) -> bytes:
        e = failure.value
        assert isinstance(e, _Error)
        if e.retry_after is not None:
            request.setHeader(b"Retry-After", str(e.retry_after).encode())
        return json_error(request, e.status, e.code, e.message)

    @app.handle_errors(NotFound)
    def not_found(request: IRequest, failure: Failure) -> bytes:
        return json_error(request, 404, "not_found", "no such resource")

    @app.handle_errors(MethodNotAllowed)
    def not_allowed(request: IRequest, failure: Failure) -> bytes:
        return json_error(request, 405, "method_not_allowed", "method not allowed")

    @app.handle_errors
    def internal(request: IRequest, failure: Failure) -> bytes:
        _log.failure("transcoder request failed", failure)
        return json_error(request, 500, "internal", "internal error")


def build_app(service: TranscoderService) -> Klein:
    """The contract's routes over ``service``."""
    app = Klein()
    _install_errors(app)

    def transcode(transcode_id: str) -> Transcode:
        found = service.get(transcode_id) if TRANSCODE_ID.match(transcode_id) else None
        if found is None:
            raise _Error(404, "transcode_not_found", "no such transcode")
        return found

    @app.route("/api/v1/health", methods=["GET", "HEAD"])
    def health(request: IRequest) -> bytes:
        return json_body(request, {"status": "ok", "encoders": len(service.encoders),
                               "max_encoders": service.max_encoders,
                               "transcodes": len(service.transcodes)})

    @app.route("/api/v1/transcodes", methods=["POST"])
    def create(request: IRequest) -> bytes:
        body = _transcode_request(request.content.read(MAX_BODY + 1))
        return json_body(request, {"id": service.create(body).id}, status=201)

    @app.route("/api/v1/transcodes/<string:transcode_id>", methods=["GET"])
    def status(request: IRequest, transcode_id: str) -> bytes:
        return json_body(request, transcode(transcode_id).status().to_json())

    @app.route("/api/v1/transcodes/<string:transcode_id>", methods=["DELETE"])
    async def delete(request: IRequest, transcode_id: str) -> bytes:
        if not TRANSCODE_ID.match(transcode_id) or not await service.delete(transcode_id):
            raise _Error(404, "transcode_not_found", "no such transcode")
        request.setResponseCode(204)
        return b""

    @app.route("/api/v1/transcodes/<string:transcode_id>/master.m3u8")
    def master(request: IRequest, transcode_id: str) -> bytes:
        return _playlist(request, master_playlist(transcode(transcode_id).request))

    @app.route("/api/v1/transcodes/<string:transcode_id>/<string:profile>/index.m3u8")
    def playlist(request: IRequest, transcode_id: str, profile: str) -> bytes:
        found = transcode(transcode_id)
        rendition = found.profiles[_profile_of(found, profile)].profile
        return _playlist(request, media_playlist(found.request, rendition))

    @app.route("/api/v1/transcodes/<string:transcode_id>/<string:profile>/<string:name>")
    async def segment(request: IRequest, transcode_id: str, profile: str, name: str) -> bytes:
        found = transcode(transcode_id)
        _profile_of(found, profile)
        index = segment_index(name)
        if index is None or not name.endswith(".ts"):
            raise _Error(404, "segment_not_found", "segments are named {index}.ts")
        if index >= found.segment_count:
            raise _Error(404, "segment_not_found", "past the end of the media")
        data = await _segment_file(found, profile, index)
        request.setHeader(b"Content-Type", b"video/mp2t")
        return data

    return app
