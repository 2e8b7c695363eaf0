"""Player-facing stream routes: a session's master and media playlists (segments are
``revenge.api.segments``, sessions themselves ``revenge.api.sessions``)."""

from __future__ import annotations

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.errors import ApiError
from revenge.api.routing import route
from revenge.playback.streaming import Streaming

PLAYLIST_TYPE = b"application/vnd.apple.mpegurl"
NO_CACHE = b"no-cache, no-store, must-revalidate"


def _token(request: IRequest) -> str:
    values = request.args.get(b"t")
    if not values or not values[0]:
        raise ApiError(403, "token_missing", "the stream URL carries no token")
    return str(values[0].decode("ascii", "replace"))


def install(app: Klein, *, streaming: Streaming) -> None:
    """Add the playlist routes."""

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
