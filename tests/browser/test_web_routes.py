"""The web player's routes in memory: the page, its files, headers, and no way out of the table."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest
from klein import Klein
from treq.testing import StubTreq

from revenge.api import web
from revenge.api.errors import install_error_handlers

CDN = "https://cdn.jsdelivr.net/npm/hls.js@1/dist/hls.min.js"


class Answer:
    """A finished in-memory response."""

    def __init__(self, code: int, headers: dict[str, str], body: bytes) -> None:
        self.code = code
        self.headers = headers
        self.body = body


def request(method: str, path: str, *, hls_js_url: str = CDN,
            headers: dict[str, str] | None = None) -> Answer:
    """One request to an app with the error handlers and the web routes, as the real one."""
    app = Klein()
    install_error_handlers(app)
    web.install(app, hls_js_url=hls_js_url)
    # StubTreq makes its methods at run time, out of mypy's sight.
    stub: Any = StubTreq(app.resource())  # type: ignore[no-untyped-call]
    answers: list[Answer] = []

    def done(response: Any) -> Any:
        found = {k.decode().lower(): b",".join(v).decode()
                 for k, v in response.headers.getAllRawHeaders()}
        return stub.content(response).addCallback(
            lambda body: answers.append(Answer(response.code, found, body)))

    stub.request(method, "http://revenge.test" + path, headers=headers).addCallback(done)
    stub.flush()
    assert len(answers) == 1
    return answers[0]


def test_page_loads_hls_js_from_the_configured_url() -> None:
    answer = request("GET", "/")
    assert answer.code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert f'<script src="{CDN}" defer></script>' in answer.body.decode()
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net;" in policy
    assert "default-src 'none'" in policy


def test_hls_js_url_is_html_escaped() -> None:
    hostile = 'https://cdn.example/hls.js?"></script><script>alert(1)</script>'
    body = request("GET", "/", hls_js_url=hostile).body.decode()
    assert "<script>alert(1)" not in body
    assert "&quot;&gt;&lt;/script&gt;&lt;script&gt;alert(1)" in body


def test_same_origin_hls_js_path() -> None:
    answer = request("GET", "/", hls_js_url="/vendor/hls.min.js")
    assert '<script src="/vendor/hls.min.js" defer>' in answer.body.decode()
    assert "script-src 'self';" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "//cdn.example/hls.js", "ftp://cdn.example/hls.js",
    "https://user@cdn.example/hls.js", "https://cdn.example;script-src */hls.js", "hls.js", "",
])
def test_bad_hls_js_urls_are_refused_at_install(url: str) -> None:
    with pytest.raises(ValueError, match="hls_js_url"):
        web.install(Klein(), hls_js_url=url)


def _static_names() -> list[str]:
    folder = resources.files("revenge").joinpath("web")
    return sorted(e.name for e in folder.iterdir() if e.name != web.PAGE)


@pytest.mark.parametrize("name", _static_names())
def test_every_file_is_served_with_its_type(name: str) -> None:
    answer = request("GET", f"/static/{name}")
    assert answer.code == 200
    extension = name.rsplit(".", 1)[1]
    assert answer.headers["content-type"] == web.CONTENT_TYPES[extension].decode()
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-content-type-options"] == "nosniff"
    expected = resources.files("revenge").joinpath("web", name).read_bytes()
    assert answer.body == expected


def test_the_page_references_only_served_files() -> None:
    page = request("GET", "/").body.decode()
    modules = "".join(request("GET", f"/static/{n}").body.decode()
                      for n in _static_names() if n.endswith(".js"))
    wanted = set(re.findall(r'"/static/([^"]+)"', page))
    wanted |= set(re.findall(r'from "\./([^"]+)"', modules))
    assert {"app.js", "app.css", "api.js", "library.js", "player.js"} <= wanted
    for name in wanted:
        assert request("GET", f"/static/{name}").code == 200, name


def test_revalidation_answers_304_without_a_body() -> None:
    first = request("GET", "/static/app.js")
    etag = first.headers["etag"]
    again = request("GET", "/static/app.js", headers={"If-None-Match": f'"other", {etag}'})
    assert again.code == 304
    assert again.body == b""
    assert again.headers["etag"] == etag
    assert request("GET", "/static/app.js", headers={"If-None-Match": '"other"'}).code == 200
    page_etag = request("GET", "/").headers["etag"]
    assert request("GET", "/", headers={"If-None-Match": page_etag}).code == 304


@pytest.mark.parametrize("path", [
    "/static/", "/static", "/static/../setup.cfg", "/static/%2e%2e/api/web.py",
    "/static/..%2fapi%2fweb.py", "/static/%2e%2e%2f%2e%2e%2fsetup.cfg", "/static//etc/passwd",
    "/static/%2Fetc%2Fpasswd", "/static/APP.JS", "/static/app.js%00.css", "/static/index.html",
    "/static/app.js/", "/static/.app.js", "/static/app.js.map", "/static/__init__.py",
    "/static/%5C..%5Csetup.cfg", "/index.html",
])
def test_nothing_else_is_served(path: str) -> None:
    answer = request("GET", path)
    assert answer.code == 404
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body)["error"]["code"] == "not_found"


def test_other_methods_are_refused() -> None:
    answer = request("POST", "/static/app.js")
    assert answer.code == 405
    assert json.loads(answer.body)["error"]["code"] == "method_not_allowed"
