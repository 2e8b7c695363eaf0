"""``/api/v1/media/{id}/cover``: cover art, for ``<img>`` tags (a signed URL) and API clients.

The picture is read once in a thread and kept in a bounded cache; answers carry a strong
ETag and a day's private caching, and a 304 for a browser that has it.
"""

from __future__ import annotations

from klein import Klein
from twisted.internet.threads import deferToThread
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import ApiError
from revenge.api.pictures import answer_picture
from revenge.api.routing import record_or_404, route
from revenge.library.cover import CoverCache, read_cover
from revenge.library.service import LibraryService
from revenge.security.signing import UrlSigner, Verdict


def install(app: Klein, *, library: LibraryService, auth: Authenticator,
            signer: UrlSigner) -> None:
    """Add the cover route."""
    cache = CoverCache()

    @route(app, "/api/v1/media/<string:media_id>/cover", methods=("GET", "HEAD"))
    async def cover(request: IRequest, media_id: str) -> bytes:
        await signed_or_bearer(request, auth, lambda token: signer.verify(
            f"cover:{media_id}", token) is Verdict.VALID)
        record = record_or_404(library, media_id)
        known, found = cache.get(record)
        if not known:
            found = await deferToThread(read_cover, record)
            cache.put(record, found)
        if found is None:
            raise ApiError(404, "cover_not_found", "this media has no cover art")
        return answer_picture(request, etag=found.etag, cache_control=b"private, max-age=86400",
                              content_type=found.content_type, data=found.data)
