"""The library API: ``/api/v1/media`` (paged listing, details) and ``/api/v1/library/scan``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klein import Klein
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from revenge.api import covers, tracks
from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import json_response
from revenge.api.routing import int_arg, record_or_404, route
from revenge.api.tracks import tracks_json
from revenge.files.metrics import RouteMetrics
from revenge.files.resource import FileResource, MediaFile, content_type_for
from revenge.library.service import LibraryService
from revenge.security.signing import UrlSigner, Verdict
from revenge.store.interface import IStore
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleService


def media_json(record: MediaRecord, resume_position: float | None = None, *,
               cover_token: str | None = None,
               subtitles_token: str | None = None) -> dict[str, Any]:
    """The public view of a media record (no absolute paths)."""
    probe = record.probe
    kind = "video" if probe.video is not None else "audio" if probe.audio else "other"
    return {
        "id": record.id,
        "title": probe.tags.get("title") or record.title,
        "kind": kind,
        "tags": dict(probe.tags),
        "cover_url": (f"/api/v1/media/{record.id}/cover?t={cover_token}"
                      if cover_token and (kind == "audio" or probe.cover) else None),
        "file": record.relative_path,
        "size": record.size,
        "duration": probe.duration,
        "truncated": probe.truncated,
        "container": probe.container,
        "bitrate": probe.bitrate,
        "streams": [s.to_json() for s in probe.streams],
        **tracks_json(record, token=subtitles_token),
        "probe_error": probe.error,
        "playable": probe.error is None,
        "resume_position": resume_position,
    }


def install(
    app: Klein,
    *,
    library: LibraryService,
    store: IStore,
    auth: Authenticator,
    check_direct_token: Callable[[str, str], Verdict],
    signer: UrlSigner,
    max_ranges: int,
    subtitles: SubtitleService,
) -> None:
    """Add the library routes: the listing, direct play, cover art and scans."""

    def view(record: MediaRecord, position: float | None) -> dict[str, Any]:
        return media_json(record, position, cover_token=signer.sign(f"cover:{record.id}"),
                          subtitles_token=signer.sign(tracks.subtitles_scope(record.id)))

    @route(app, "/api/v1/media")
    async def list_media(request: IRequest) -> bytes:
        user = await auth.user(request)
        offset = int_arg(request, "offset", default=0, low=0, high=10**9)
        limit = int_arg(request, "limit", default=50, low=1, high=500)
        items, total = library.page(offset, limit)
        positions = await store.progress(user.id)
        return json_response(request, {
            "items": [view(r, positions.get(r.id)) for r in items],
            "total": total,
            "offset": offset,
            "limit": limit,
        })

    @route(app, "/api/v1/media/<string:media_id>")
    async def get_media(request: IRequest, media_id: str) -> bytes:
        user = await auth.user(request)
        record = record_or_404(library, media_id)
        positions = await store.progress(user.id)
        return json_response(request, view(record, positions.get(media_id)))

    stream_metrics = RouteMetrics("/api/v1/media/{id}/stream")

    @route(app, "/api/v1/media/<string:media_id>/stream", methods=("GET", "HEAD"))
    async def direct_play(request: IRequest, media_id: str) -> IResource:
        """The original file (ranges and all), with a signed URL token or a bearer token."""
        await signed_or_bearer(request, auth, lambda token: check_direct_token(
            media_id, token) is Verdict.VALID)
        record = record_or_404(library, media_id)
        media = MediaFile(record.path, content_type_for(record.path))
        return FileResource(media, metrics=stream_metrics, max_ranges=max_ranges)

    covers.install(app, library=library, auth=auth, signer=signer)
    tracks.install(app, library=library, auth=auth, signer=signer, subtitles=subtitles)
    _install_scans(app, library=library, auth=auth)


def _install_scans(app: Klein, *, library: LibraryService, auth: Authenticator) -> None:
    @route(app, "/api/v1/library/scan", methods=("POST",))
    async def start_scan(request: IRequest) -> bytes:
        await auth.admin(request)
        library.scan()
        request.setHeader(b"Location", b"/api/v1/library/scan")
        return json_response(request, {"scanning": True}, status=202)

    @route(app, "/api/v1/library/scan")
    async def scan_status(request: IRequest) -> bytes:
        await auth.user(request)
        last = library.last_scan
        return json_response(request, {
            "scanning": library.scanning,
            "last": last.to_json() if last else None,
        })
