"""``/api/v1/media/{id}/poster``: a video's poster, for ``<img>`` tags (a signed URL) and
API clients; ``?v=`` names its version, so such a URL is cached for good."""

from __future__ import annotations

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import ApiError
from revenge.api.pictures import IMMUTABLE, REVALIDATE, answer_picture, is_fresh
from revenge.api.routing import record_or_404, route
from revenge.artwork.service import ArtworkService
from revenge.library.service import LibraryService
from revenge.security.signing import UrlSigner, Verdict


def poster_scope(media_id: str) -> str:
    """What a signed poster URL grants."""
    return f"poster:{media_id}"


def install(app: Klein, *, library: LibraryService, auth: Authenticator, signer: UrlSigner,
            artwork: ArtworkService) -> None:
    """Add the artwork routes."""

    @route(app, "/api/v1/media/<string:media_id>/poster", methods=("GET", "HEAD"))
    async def poster(request: IRequest, media_id: str) -> bytes:
        await signed_or_bearer(request, auth, lambda token: signer.verify(
            poster_scope(media_id), token) is Verdict.VALID)
        record = record_or_404(library, media_id)
        picture = await artwork.poster(record)
        if picture is None:
            raise ApiError(404, "poster_not_found", "this media has no poster")
        etag = b'"%s"' % picture.etag.encode()
        asked = (request.args.get(b"v") or [b""])[0].decode("ascii", "replace")
        cache = IMMUTABLE if asked == picture.etag else REVALIDATE
        data = None if is_fresh(request, etag) else await artwork.read(picture)
        return answer_picture(request, etag=etag, cache_control=cache,
                              content_type=picture.content_type, data=data)
