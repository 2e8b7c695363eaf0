"""Assembles the public Klein app from its route groups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from klein import Klein
from prometheus_client import REGISTRY
from prometheus_client.registry import CollectorRegistry

from revenge.api import artwork as artwork_routes
from revenge.api import health, jobs, me, media, openapi, playback, sessions, web
from revenge.api import library as library_routes
from revenge.api.auth import Authenticator
from revenge.api.errors import install_error_handlers
from revenge.api.views import MediaViews
from revenge.artwork.service import ArtworkService
from revenge.library.catalog import Catalog
from revenge.library.service import LibraryService
from revenge.playback.service import PlaybackService
from revenge.playback.streaming import Streaming
from revenge.store.interface import IStore
from revenge.subtitles.service import SubtitleService


def build_api(
    *,
    library: LibraryService,
    store: IStore,
    playback_service: PlaybackService,
    streaming: Streaming,
    subtitles: SubtitleService,
    artwork: ArtworkService,
    checks: Mapping[str, Callable[[], bool]],
    max_ranges: int,
    hls_js_url: str,
    details: Mapping[str, Callable[[], Any]] | None = None,
    registry: CollectorRegistry = REGISTRY,
) -> Klein:
    """The public API app; route groups stay in their own modules."""
    app = Klein()
    # A doubled slash is a 404, not werkzeug's redirect (which would surface as a 500).
    app.url_map.merge_slashes = False
    auth = Authenticator(store)
    install_error_handlers(app)
    catalog = Catalog(library)
    views = MediaViews(signer=playback_service.signer, catalog=catalog, artwork=artwork)
    health.install(app, checks=checks, details=details, registry=registry)
    media.install(app, library=library, store=store, auth=auth,
                  check_direct_token=playback_service.check_direct_token,
                  signer=playback_service.signer, views=views, catalog=catalog,
                  max_ranges=max_ranges, subtitles=subtitles)
    library_routes.install(app, catalog=catalog, views=views, store=store, auth=auth,
                           artwork=artwork)
    artwork_routes.install(app, library=library, auth=auth, signer=playback_service.signer,
                           artwork=artwork)
    jobs.install(app, library=library, artwork=artwork, auth=auth)
    me.install(app, auth=auth, store=store)
    sessions.install(app, playback=playback_service, library=library, auth=auth)
    playback.install(app, streaming=streaming)
    openapi.install(app)
    web.install(app, hls_js_url=hls_js_url)
    return app
