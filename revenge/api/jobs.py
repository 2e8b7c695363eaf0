"""``GET /api/v1/library/jobs``: what the background work is doing (the scan, posters,
thumbnails), for the admins' progress bar."""

from __future__ import annotations

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.errors import json_response
from revenge.api.routing import route
from revenge.artwork.queue import Progress
from revenge.artwork.service import ArtworkService
from revenge.library.service import LibraryService


def scan_progress(library: LibraryService) -> Progress:
    """The library scan as a job: files probed of those it must probe."""
    done, total = library.scan_progress
    last = library.last_scan
    return Progress("scan", library.scanning, done, total,
                    last.failed if last is not None and not library.scanning else 0, None)


def install(app: Klein, *, library: LibraryService, artwork: ArtworkService,
            auth: Authenticator) -> None:
    """Add the jobs route."""

    @route(app, "/api/v1/library/jobs")
    async def jobs(request: IRequest) -> bytes:
        """Each background job and how far it is."""
        await auth.user(request)
        found = [scan_progress(library), *artwork.progress()]
        return json_response(request, {"jobs": [j.to_json() for j in found]})
