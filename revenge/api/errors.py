"""JSON answers and errors: ``{"error": {"code", "message"}}`` with a fitting status, always."""

from __future__ import annotations

from typing import Any

from klein import Klein
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IRequest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from revenge.jsonerror import json_body, json_error
from revenge.playback.errors import (
    InvalidRequest,
    PlaybackError,
    StreamRefused,
    Superseded,
    TooManySessions,
    TranscoderFailed,
    Unplayable,
)
from revenge.playback.errors import (
    NotFound as PlaybackNotFound,
)

_log = Logger()


class ApiError(Exception):
    """Raised by a route to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


# What each playback failure is in HTTP: the one place playback's words become statuses.
PLAYBACK_STATUS: dict[type[PlaybackError], int] = {
    PlaybackNotFound: 404, InvalidRequest: 400, StreamRefused: 403, TooManySessions: 429,
    Unplayable: 422, TranscoderFailed: 502, Superseded: 409,
}


def json_response(request: IRequest, doc: Any, *, status: int = 200) -> bytes:
    """Set the status and JSON content type; return the encoded body."""
    return json_body(request, doc, status=status)


def error_response(request: IRequest, status: int, code: str, message: str) -> bytes:
    """The JSON error body for ``status``."""
    return json_error(request, status, code, message)


def playback_error_response(request: IRequest, error: PlaybackError) -> bytes:
    """The answer to a playback failure."""
    status = next((s for kind, s in PLAYBACK_STATUS.items() if isinstance(error, kind)), 500)
    return json_error(request, status, error.code, error.message)


def install_error_handlers(app: Klein) -> None:
    """Make every failure of ``app``'s routes a JSON error, never an HTML page or traceback."""

    @app.handle_errors(ApiError)
    def api_error(request: IRequest, failure: Failure) -> bytes:
        error = failure.value
        assert isinstance(error, ApiError)
        for name, value in error.headers.items():
            request.setHeader(name.replace("_", "-"), value)
        return error_response(request, error.status, error.code, error.message)

    @app.handle_errors(PlaybackError)
    def playback_error(request: IRequest, failure: Failure) -> bytes:
        error = failure.value
        assert isinstance(error, PlaybackError)
        return playback_error_response(request, error)

    @app.handle_errors(NotFound)
    def not_found(request: IRequest, failure: Failure) -> bytes:
        return error_response(request, 404, "not_found", "no such resource")

    @app.handle_errors(MethodNotAllowed)
    def not_allowed(request: IRequest, failure: Failure) -> bytes:
        error = failure.value
        assert isinstance(error, MethodNotAllowed)
        allowed = ", ".join(sorted(error.valid_methods or ()))
        request.setHeader(b"Allow", allowed.encode())
        method = request.method.decode("ascii", "replace")
        return error_response(request, 405, "method_not_allowed", f"{method} is not allowed here")

    @app.handle_errors
    def internal(request: IRequest, failure: Failure) -> bytes:
        path = request.path.decode("utf-8", "replace")
        _log.failure("internal error on {path}", failure, path=path)
        return error_response(request, 500, "internal", "internal server error")
