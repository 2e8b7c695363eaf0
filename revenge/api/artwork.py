"""``/api/v1/media/{id}/poster``: a video's poster, and ``/api/v1/media/{id}/thumbnails/``
``index.vtt`` and its sprite sheets: its scrubbing previews. For ``<img>`` and ``<track>``
(signed URLs) and API clients; ``?v=`` names the version, so such a URL is cached for good."""

from __future__ import annotations

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator, signed_or_bearer
from revenge.api.errors import ApiError
from revenge.api.pictures import IMMUTABLE, REVALIDATE, answer_picture, is_fresh
from revenge.api.routing import record_or_404, route
from revenge.artwork.files import artwork_key
from revenge.artwork.service import ArtworkService
from revenge.artwork.trickplay import thumbnails_vtt
from revenge.library.service import LibraryService
from revenge.security.signing import UrlSigner, Verdict


def poster_scope(media_id: str) -> str:
    """What a signed poster URL grants."""
    return f"poster:{media_id}"


def thumbnails_scope(media_id: str) -> str:
    """What a signed thumbnails URL grants (the track and its sheets)."""
    return f"thumbnails:{media_id}"


def _arg(request: IRequest, name: bytes) -> str:
    value: str = (request.args.get(name) or [b""])[0].decode("ascii", "replace")
    return value


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
        cache = IMMUTABLE if _arg(request, b"v") == picture.etag else REVALIDATE
        data = None if is_fresh(request, etag) else await artwork.read(picture.path)
        return answer_picture(request, etag=etag, cache_control=cache,
                              content_type=picture.content_type, data=data)

    @route(app, "/api/v1/media/<string:media_id>/thumbnails/<string:name>",
           methods=("GET", "HEAD"))
    async def thumbnails(request: IRequest, media_id: str, name: str) -> bytes:
        """``index.vtt`` (the WebVTT track) or one of its sheets."""
        token = _arg(request, b"t")
        await signed_or_bearer(request, auth, lambda given: signer.verify(
            thumbnails_scope(media_id), given) is Verdict.VALID)
        record = record_or_404(library, media_id)
        made = artwork.thumbnails.known(record) or await artwork.thumbnails.find(record)
        if made is None:
            raise ApiError(404, "thumbnails_not_found", "no previews of this media yet")
        key = artwork_key(record)
        cache = IMMUTABLE if _arg(request, b"v") == key else REVALIDATE
        if name == "index.vtt":
            # The sheets go by the track's own token (a bearer client's gets one made).
            token = token or signer.sign(thumbnails_scope(media_id))
            body = thumbnails_vtt(made, record.probe.duration or 0.0,
                                  query=f"v={key}&t={token}").encode()
            return answer_picture(request, etag=b'"%s-vtt"' % key.encode(),
                                  cache_control=cache, content_type="text/vtt; charset=utf-8",
                                  data=body)
        sheet = artwork.thumbnails.sheet(record, name)
        if sheet is None:
            raise ApiError(404, "thumbnails_not_found", "no such preview sheet")
        etag = b'"%s-%s"' % (key.encode(), name.encode())
        data = None if is_fresh(request, etag) else await artwork.read(sheet)
        return answer_picture(request, etag=etag, cache_control=cache,
                              content_type="image/jpeg", data=data)
