"""Player-facing playback routes: sessions, progress, manifests and segments."""

from __future__ import annotations

import math
from typing import Any

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.body import field, json_body
from revenge.api.errors import ApiError, json_response
from revenge.api.routing import route
from revenge.playback.direct import ClientCapabilities
from revenge.playback.service import PlaybackService
from revenge.playback.session import SessionOptions, State
from revenge.playback.streaming import Streaming

PLAYLIST_TYPE = b"application/vnd.apple.mpegurl"
NO_CACHE = b"no-cache, no-store, must-revalidate"


def _token(request: IRequest) -> str:
    values = request.args.get(b"t")
    if not values:
        raise ApiError(403, "token_missing", "the stream URL carries no token")
    return str(values[0].decode("ascii", "replace"))


def _number(doc: dict[str, Any], name: str, *, default: float | None = None) -> float | None:
    value = field(doc, name, (int, float), default=default)
    if value is not None and (not math.isfinite(value) or value < 0):
        raise ApiError(400, "bad_field", f"{name} must be a non-negative number")
    return None if value is None else float(value)


def _options(doc: dict[str, Any]) -> SessionOptions:
    max_bitrate = field(doc, "max_bitrate", int)
    if max_bitrate is not None and max_bitrate <= 0:
        raise ApiError(400, "bad_field", "max_bitrate must be positive")
    abr = field(doc, "abr", str, default="client")
    if abr not in ("client", "server"):
        raise ApiError(400, "bad_field", "abr must be client or server")
    return SessionOptions(
        start_position=_number(doc, "start_position", default=0.0) or 0.0,
        max_bitrate=max_bitrate,
        profile=field(doc, "profile", str),
        abr=abr,
    )


def _client(doc: dict[str, Any]) -> ClientCapabilities | None:
    client = field(doc, "client", dict)
    if client is None:
        return None

    def names(key: str) -> frozenset[str]:
        values = field(client, key, list, default=[])
        if not all(isinstance(v, str) for v in values):
            raise ApiError(400, "bad_field", f"client.{key} must be a list of strings")
        return frozenset(v.lower() for v in values)

    return ClientCapabilities(names("containers"), names("video_codecs"), names("audio_codecs"))


def install(
    app: Klein, *, playback: PlaybackService, streaming: Streaming, auth: Authenticator
) -> None:
    """Add the playback routes."""

    def urls(session_id: str, token: str) -> dict[str, str]:
        base = f"/api/v1/playback/{session_id}"
        return {"master_url": f"{base}/master.m3u8?t={token}"}

    @route(app, "/api/v1/playback/sessions", methods=("POST",))
    async def create_session(request: IRequest) -> bytes:
        user = await auth.user(request)
        doc = json_body(request)
        media_id = field(doc, "media_id", str, required=True)
        session = await playback.create(user.id, media_id, _options(doc), _client(doc))
        token = playback.stream_token(session)
        answer: dict[str, Any] = {**playback.describe(session), **urls(session.id, token)}
        if session.mode == "direct":
            answer["direct_url"] = (f"/api/v1/media/{media_id}/stream"
                                    f"?t={playback.direct_token(media_id)}")
        request.setHeader(b"Location", f"/api/v1/playback/sessions/{session.id}".encode())
        return json_response(request, answer, status=201)

    @route(app, "/api/v1/playback/sessions/<string:session_id>")
    async def get_session(request: IRequest, session_id: str) -> bytes:
        session = await playback.get((await auth.user(request)).id, session_id)
        return json_response(request, playback.describe(session))

    @route(app, "/api/v1/playback/sessions/<string:session_id>", methods=("DELETE",))
    async def delete_session(request: IRequest, session_id: str) -> bytes:
        await playback.stop((await auth.user(request)).id, session_id)
        request.setResponseCode(204)
        return b""

    @route(app, "/api/v1/playback/sessions/<string:session_id>/progress", methods=("POST",))
    async def progress(request: IRequest, session_id: str) -> bytes:
        user = await auth.user(request)
        doc = json_body(request)
        position = _number(doc, "position")
        if position is None:
            raise ApiError(400, "missing_field", "position is required")
        state_name = field(doc, "state", str, default="playing")
        try:
            state = State(state_name)
        except ValueError:
            raise ApiError(400, "bad_field", "state must be playing, paused, buffering or "
                                             "stopped") from None
        session = await playback.heartbeat(user.id, session_id, position, state)
        return json_response(request, playback.describe(session))

    @route(app, "/api/v1/playback/<string:session_id>/master.m3u8")
    async def master(request: IRequest, session_id: str) -> bytes:
        text = await streaming.master_playlist(session_id, _token(request))
        return _playlist(request, text)

    @route(app, "/api/v1/playback/<string:session_id>/<string:profile>/index.m3u8")
    async def media_playlist(request: IRequest, session_id: str, profile: str) -> bytes:
        text = await streaming.media_playlist(session_id, profile, _token(request))
        return _playlist(request, text)


def _playlist(request: IRequest, text: str) -> bytes:
    body = text.encode()
    request.setHeader(b"Content-Type", PLAYLIST_TYPE)
    request.setHeader(b"Cache-Control", NO_CACHE)
    # Framed by length, not chunked: ffmpeg's HLS demuxer reuses the connection for the
    # segments and fails at the end of a stream whose playlists came chunked.
    request.setHeader(b"Content-Length", b"%d" % len(body))
    return body
