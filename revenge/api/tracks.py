"""A media's audio and subtitle tracks as the API lists them, and
``/api/v1/media/{id}/subtitles/{track}.vtt``: a whole text subtitle track as WebVTT, for
players that take a sidecar file (a ``<track>`` element: a signed URL; API clients: a bearer
token)."""

from __future__ import annotations

from typing import Any

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import ApiError
from revenge.api.routing import record_or_404, route
from revenge.library.service import LibraryService
from revenge.playback.labels import audio_labels, subtitle_labels
from revenge.security.signing import UrlSigner, Verdict
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleError, SubtitleService
from revenge.subtitles.tracks import subtitle_tracks
from revenge.subtitles.webvtt import whole_webvtt


def subtitles_scope(media_id: str) -> str:
    """What a signed subtitle download URL grants."""
    return f"subtitles:{media_id}"


def tracks_json(record: MediaRecord, *, token: str | None) -> dict[str, Any]:
    """``audio_tracks`` and ``subtitle_tracks``: what a player's menus offer, numbered as
    session creation takes them (``audio_track``, ``subtitle_track``)."""
    audio = record.probe.audio
    subtitles = subtitle_tracks(record)
    return {
        "audio_tracks": [
            {"track": number, "index": t.index, "codec": t.codec, "language": t.language,
             "title": t.title, "label": label, "channels": t.channels,
             "channel_layout": t.channel_layout, "default": t.default}
            for number, (t, label) in enumerate(zip(audio, audio_labels(audio), strict=True))],
        "subtitle_tracks": [
            {"track": t.number, "codec": t.codec, "language": t.language, "title": t.title,
             "label": label, "default": t.default, "forced": t.forced,
             "hearing_impaired": t.hearing_impaired, "text": t.text,
             "source": "sidecar" if t.sidecar else "embedded",
             "url": f"/api/v1/media/{record.id}/subtitles/{t.number}.vtt"
                    + (f"?t={token}" if token else "") if t.text else None}
            for t, label in zip(subtitles, subtitle_labels(subtitles), strict=True)],
    }


def install(app: Klein, *, library: LibraryService, auth: Authenticator, signer: UrlSigner,
            subtitles: SubtitleService) -> None:
    """Add the subtitle download route."""

    @route(app, "/api/v1/media/<string:media_id>/subtitles/<string:name>",
           methods=("GET", "HEAD"))
    async def download(request: IRequest, media_id: str, name: str) -> bytes:
        await signed_or_bearer(request, auth, lambda token: signer.verify(
            subtitles_scope(media_id), token) is Verdict.VALID)
        record = record_or_404(library, media_id)
        number = name[:-4] if name.endswith(".vtt") else ""
        tracks = subtitle_tracks(record)
        if not number.isdigit() or int(number) >= len(tracks):
            raise ApiError(404, "subtitle_not_found", "no such subtitle track")
        track = tracks[int(number)]
        if not track.text:
            raise ApiError(409, "picture_subtitle",
                           "a picture subtitle has no text; burn it in instead")
        try:
            body = whole_webvtt(await subtitles.cues(record, track)).encode()
        except SubtitleError as e:
            raise ApiError(502, "subtitles_unavailable", str(e)) from None
        request.setHeader(b"Content-Type", b"text/vtt; charset=utf-8")
        request.setHeader(b"Content-Length", b"%d" % len(body))
        request.setHeader(b"Cache-Control", b"private, max-age=3600")
        return b"" if request.method == b"HEAD" else body
