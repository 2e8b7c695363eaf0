"""Assembles the public Klein app from its route groups."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from klein import Klein

from revenge.api import health, media
from revenge.api.auth import Authenticator
from revenge.api.errors import install_error_handlers
from revenge.library.service import LibraryService
from revenge.store.interface import IStore


def build_api(
    *, library: LibraryService, store: IStore, checks: Mapping[str, Callable[[], bool]]
) -> Klein:
    """The public API app; route groups stay in their own modules."""
    app = Klein()
    auth = Authenticator(store)
    install_error_handlers(app)
    health.install(app, checks=checks)
    media.install(app, library=library, store=store, auth=auth)
    return app
