"""Session routes: open, list, look at, heartbeat and stop playback sessions; and the JSON
view of a session (what the player and the admins' "now playing" page show)."""

from __future__ import annotations

import math
from typing import Any

import attrs
from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.body import field, json_body
from revenge.api.errors import ApiError, json_response
from revenge.api.routing import route
from revenge.library.service import LibraryService
from revenge.playback.buffer import BufferStats
from revenge.playback.direct import ClientCapabilities
from revenge.playback.service import PlaybackService
from revenge.playback.session import Session, SessionOptions, State


def session_json(session: Session, *, transcode_id: str | None, title: str | None = None,
                 buffer: BufferStats | None = None) -> dict[str, Any]:
    """A session as the API shows it."""
    adapter = session.adapter
    cmcd = adapter.last_cmcd
    estimate = adapter.estimate()
    current = adapter.current
    stats = session.stats
    return {
        "session_id": session.id,
        "user": session.user_name,
        "media_id": session.media_id,
        "title": title,
        "mode": session.mode,
        "abr": session.options.abr,
        "state": session.state.value,
        "position": session.position,
        "profiles": [p.name for p in session.ladder.video],
        "video": [{"name": p.name, "codec": p.codec, "width": p.width, "height": p.height,
                   "bitrate": p.bitrate} for p in session.ladder.video],
        "audio": [{"name": a.name, "language": a.language, "label": a.label,
                   "default": a.default} for a in session.ladder.audio],
        "audio_track": session.options.audio_track,
        "subtitle_track": session.options.subtitle_track,
        # The picture subtitle drawn into this session's video (a transcode of its own).
        "burned_subtitle": session.options.subtitle_track
        if session.options.burn_subtitles else None,
        "allowed_profiles": [p.name for p in adapter.allowed],
        "current_profile": current.name if current else None,
        "bandwidth": round(estimate.average) if estimate else None,
        "bandwidth_stable": estimate.stable if estimate else None,
        "bandwidth_samples": estimate.samples if estimate else 0,
        "quality_switches": adapter.switches,
        "transcode_id": transcode_id,
        # What the player says it holds (CMCD), and what the server holds ahead of it.
        "player_buffer_ms": cmcd.buffer_length_ms if cmcd else None,
        "server_buffer": {"segments": buffer.buffered_segments,
                          "bytes": buffer.buffered_bytes, "fetching": buffer.in_flight,
                          **attrs.asdict(buffer.counts)}
        if buffer else None,
        "client_address": session.client_address,
        "created_at": session.created_at,
        "last_activity_at": session.last_activity_at,
        "stats": {**stats.to_json(),
                  "buffering_events": stats.buffering_events + adapter.buffering_events},
    }


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
        audio_track=_track(doc, "audio_track"),
        subtitle_track=_track(doc, "subtitle_track"),
        burn_subtitles=field(doc, "burn_subtitles", bool, default=False),
    )


def _track(doc: dict[str, Any], name: str) -> int | None:
    value: int | None = field(doc, name, int)
    if value is not None and not 0 <= value < 1024:
        raise ApiError(400, "bad_field", f"{name} must be a track number from 0")
    return value


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


def _address(request: IRequest) -> str | None:
    peer = request.getClientAddress()
    return getattr(peer, "host", None)


def install(app: Klein, *, playback: PlaybackService, library: LibraryService,
            auth: Authenticator) -> None:
    """Add the session routes."""

    def view(session: Session) -> dict[str, Any]:
        record = library.get(session.media_id)
        return session_json(session, transcode_id=playback.transcode_of(session),
                            title=record.title if record else None,
                            buffer=playback.buffer_of(session))

    @route(app, "/api/v1/playback/sessions", methods=("POST",))
    async def create_session(request: IRequest) -> bytes:
        user = await auth.user(request)
        doc = json_body(request)
        media_id = field(doc, "media_id", str, required=True)
        session = await playback.create(user, media_id, _options(doc), _client(doc),
                                        client_address=_address(request))
        token = playback.stream_token(session)
        answer = {**view(session),
                  "master_url": f"/api/v1/playback/{session.id}/master.m3u8?t={token}"}
        if session.mode == "direct":
            answer["direct_url"] = (f"/api/v1/media/{media_id}/stream"
                                    f"?t={playback.direct_token(media_id)}")
        request.setHeader(b"Location", f"/api/v1/playback/sessions/{session.id}".encode())
        return json_response(request, answer, status=201)

    @route(app, "/api/v1/playback/sessions")
    async def list_sessions(request: IRequest) -> bytes:
        user = await auth.user(request)
        sessions = await playback.visible_to(user)
        return json_response(request, {"items": [view(s) for s in sessions],
                                       "total": len(sessions)})

    @route(app, "/api/v1/playback/sessions/<string:session_id>")
    async def get_session(request: IRequest, session_id: str) -> bytes:
        session = await playback.get(await auth.user(request), session_id)
        return json_response(request, view(session))

    @route(app, "/api/v1/playback/sessions/<string:session_id>", methods=("DELETE",))
    async def delete_session(request: IRequest, session_id: str) -> bytes:
        await playback.stop(await auth.user(request), session_id)
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
        session = await playback.heartbeat(user, session_id, position, state)
        return json_response(request, view(session))
