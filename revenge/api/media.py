"""The library API: ``/api/v1/media`` (paged listing, details) and ``/api/v1/library/scan``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from klein import Klein
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from revenge.api import covers, tracks
from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import ApiError, json_response
from revenge.api.routing import choice_arg, int_arg, record_or_404, route
from revenge.api.views import MediaViews
from revenge.files.metrics import RouteMetrics
from revenge.files.resource import FileResource, MediaFile, content_type_for
from revenge.library.catalog import SORTS, Catalog
from revenge.library.naming import CATEGORIES
from revenge.library.service import LibraryService
from revenge.security.signing import UrlSigner, Verdict
from revenge.store.interface import IStore
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleService


def listing(request: IRequest, library: LibraryService,
            catalog: Catalog) -> Sequence[MediaRecord]:
    """The records ``?category=``, ``?q=``, ``?sort=`` and ``?order=`` ask for (none: the
    whole library by title, as it always was)."""
    category = choice_arg(request, "category", CATEGORIES)
    sort = choice_arg(request, "sort", SORTS)
    order = choice_arg(request, "order", ("asc", "desc"))
    raw_query = request.args.get(b"q")
    query = raw_query[0].decode("utf-8", "replace") if raw_query else ""
    if len(query) > 200:
        raise ApiError(400, "bad_argument", "q is limited to 200 characters")
    if category is None and sort is None and order is None and not query:
        return library.records()
    # Newest first is what people want of "added" and "year"; A to Z of titles.
    descending = order == "desc" if order else sort in ("added", "year")
    return [e.record for e in catalog.find(category=category, query=query,
                                           sort=sort or "title", descending=descending)]


def install(
    app: Klein,
    *,
    library: LibraryService,
    store: IStore,
    auth: Authenticator,
    check_direct_token: Callable[[str, str], Verdict],
    signer: UrlSigner,
    views: MediaViews,
    catalog: Catalog,
    max_ranges: int,
    subtitles: SubtitleService,
) -> None:
    """Add the library routes: the listing, direct play, cover art and scans."""

    @route(app, "/api/v1/media")
    async def list_media(request: IRequest) -> bytes:
        """A page of the library, all of it or a category, searched, sorted."""
        user = await auth.user(request)
        await catalog.refreshed()
        offset = int_arg(request, "offset", default=0, low=0, high=10**9)
        limit = int_arg(request, "limit", default=50, low=1, high=500)
        found = listing(request, library, catalog)
        items, total = found[offset : offset + limit], len(found)
        positions = await store.progress(user.id)
        return json_response(request, {
            "items": [views.one(r, positions.get(r.id)) for r in items],
            "total": total,
            "offset": offset,
            "limit": limit,
        })

    @route(app, "/api/v1/media/<string:media_id>")
    async def get_media(request: IRequest, media_id: str) -> bytes:
        user = await auth.user(request)
        await catalog.refreshed()
        record = record_or_404(library, media_id)
        positions = await store.progress(user.id)
        return json_response(request, views.one(record, positions.get(media_id)))

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
