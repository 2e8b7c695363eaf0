"""The built-in web player: ``GET /`` (the page) and ``GET /static/<name>`` (its files).

The files are package data in ``revenge/web``, read once at install time into memory (a few
kilobytes). A request can only name one of those files: the route looks its name up in that
table, so no part of a URL ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import html
import re
from importlib import resources
from urllib.parse import urlsplit

import attrs
from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.errors import error_response
from revenge.api.routing import route

CONTENT_TYPES = {
    "css": b"text/css; charset=utf-8",
    "js": b"text/javascript; charset=utf-8",
    "svg": b"image/svg+xml",
}
# The files under /static: a flat directory of plain names (no dots but the extension's).
STATIC_NAME = re.compile(r"^[a-z][a-z0-9-]{0,63}\.(?:css|js|svg)$")
PAGE = "index.html"
HLS_JS_PLACEHOLDER = "{{hls_js_url}}"
_ORIGIN = re.compile(r"^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_SECURITY_HEADERS = {
    b"X-Content-Type-Options": b"nosniff",
    b"Referrer-Policy": b"no-referrer",
}


@attrs.frozen
class Asset:
    """A file the web routes answer with."""

    body: bytes
    content_type: bytes
    etag: bytes

    @classmethod
    def of(cls, body: bytes, content_type: bytes) -> Asset:
        """``body`` with a strong ETag from its content."""
        return cls(body, content_type, b'"%s"' % hashlib.sha256(body).hexdigest()[:32].encode())


def load_static() -> dict[str, Asset]:
    """Every servable file of ``revenge/web`` by name (the page itself is served at ``/``)."""
    folder = resources.files("revenge").joinpath("web")
    assets = {}
    for entry in folder.iterdir():
        if entry.is_file() and STATIC_NAME.match(entry.name):
            extension = entry.name.rsplit(".", 1)[1]
            assets[entry.name] = Asset.of(entry.read_bytes(), CONTENT_TYPES[extension])
    return assets


def script_origin(url: str) -> str:
    """The CSP source that allows ``url``: its origin, or ``'self'`` for a same-origin path.

    A URL that is neither (another scheme, a malformed host) is a configuration error.
    """
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//"):
        return "'self'"
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or not _ORIGIN.match(origin):
        raise ValueError(f"[web] hls_js_url must be an http(s) URL or a /path, not {url!r}")
    return origin


def content_security_policy(hls_origin: str) -> bytes:
    """The page's policy: its own files, hls.js from its origin, media from MSE blobs."""
    scripts = "'self'" if hls_origin == "'self'" else f"'self' {hls_origin}"
    return "; ".join([
        "default-src 'none'",
        f"script-src {scripts}",
        "worker-src 'self' blob:",  # hls.js runs its transmuxer in a blob: worker
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob: data:",  # hls.js's <track> elements load "data:,WEBVTT"
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]).encode()


def render_page(hls_js_url: str) -> Asset:
    """The page with the hls.js URL written into its ``<script src>``, HTML-escaped."""
    template = resources.files("revenge").joinpath("web", PAGE).read_text("utf-8")
    if HLS_JS_PLACEHOLDER not in template:
        raise ValueError(f"revenge/web/{PAGE} lacks {HLS_JS_PLACEHOLDER}")
    body = template.replace(HLS_JS_PLACEHOLDER, html.escape(hls_js_url, quote=True))
    return Asset.of(body.encode("utf-8"), b"text/html; charset=utf-8")


def _send(request: IRequest, asset: Asset, extra: dict[bytes, bytes]) -> bytes:
    """``asset`` with validators: browsers revalidate (``no-cache``) and get 304 when unchanged.

    ``no-cache`` rather than a max-age, because the names are not versioned: a new release
    must reach a browser on its next load.
    """
    for name, value in {**_SECURITY_HEADERS, **extra}.items():
        request.setHeader(name, value)
    request.setHeader(b"Cache-Control", b"no-cache")
    request.setHeader(b"ETag", asset.etag)
    request.setHeader(b"Content-Type", asset.content_type)
    wanted = request.getHeader(b"if-none-match")
    if wanted is not None and asset.etag in (t.strip() for t in wanted.split(b",")):
        request.setResponseCode(304)
        return b""
    request.setHeader(b"Content-Length", b"%d" % len(asset.body))
    return asset.body


def install(app: Klein, *, hls_js_url: str) -> None:
    """Add ``/`` and ``/static/<name>``; ``hls_js_url`` is where the page loads hls.js from."""
    page = render_page(hls_js_url)
    page_headers = {b"Content-Security-Policy": content_security_policy(script_origin(hls_js_url))}
    static = load_static()

    @route(app, "/")
    def index(request: IRequest) -> bytes:
        return _send(request, page, page_headers)

    @route(app, "/static/<string:name>")
    def static_file(request: IRequest, name: str) -> bytes:
        asset = static.get(name)
        if asset is None:
            return error_response(request, 404, "not_found", "no such file")
        return _send(request, asset, {})
