"""Access control on a real server: bearer tokens, revocation, the first-start admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from revenge.admin import run as admin
from tests.server import Server, admin_token, http, wait_for

pytestmark = pytest.mark.slow


def test_first_start_creates_an_admin_and_shows_its_token_once(tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path / "data")]
    with Server(tmp_path / "run", args) as server:
        found = wait_for(lambda: re.search(r"API token \(shown once\): (rv_\S+)", server.log()),
                         what="the first-start banner")
        token = found.group(1)
        assert f"{server.base}/#token={token}" in server.log()
        listing = http("GET", server.url("/api/v1/media"),
                       headers={"Authorization": f"Bearer {token}"})
        assert listing.status == 200
    with Server(tmp_path / "run", args) as again:
        assert again.get("/healthz").status == 200
    assert again.log().count("shown once") == 0


def test_tokens_missing_wrong_or_revoked_get_401(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = admin_token(data, "viewer", admin=False)
    with Server(tmp_path / "run", ["--data-dir", str(data)]) as server:
        def status(headers: dict[str, str]) -> int:
            return http("GET", server.url("/api/v1/media"), headers=headers).status

        assert status({}) == 401
        assert status({"Authorization": "Basic abc"}) == 401
        assert status({"Authorization": "Bearer rv_nope_nope"}) == 401
        assert status({"Authorization": f"Bearer {token}x"}) == 401
        assert status({"Authorization": f"Bearer {token}"}) == 200
        answer = http("GET", server.url("/api/v1/media"))
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        # Not an admin: may list, may not rescan.
        scan = http("POST", server.url("/api/v1/library/scan"), body={},
                    headers={"Authorization": f"Bearer {token}"})
        assert scan.status == 403
        token_id = token.split("_")[1]
        admin(["--data-dir", str(data), "token", "revoke", token_id])
        assert status({"Authorization": f"Bearer {token}"}) == 401
        assert status({}) == 401
        assert server.get("/healthz").status == 200


def test_cors_preflight_and_headers_for_browser_players(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = admin_token(data)
    with Server(tmp_path / "run", ["--data-dir", str(data)], token=token) as server:
        preflight = http("OPTIONS", server.url("/api/v1/media"), headers={
            "Origin": "http://player.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        answer = server.get("/api/v1/media", headers={"Origin": "http://player.example"})
        assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-Served-From" in answer.headers["Access-Control-Expose-Headers"]


def test_oversized_bodies_and_headers_are_refused(tmp_path: Path) -> None:
    import socket

    data = tmp_path / "data"
    token = admin_token(data)
    with Server(tmp_path / "run", ["--data-dir", str(data)], token=token) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST /api/v1/playback/sessions HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 50000000\r\n\r\n" + b"x" * 1000)
            reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 413")
        big = server.get("/api/v1/media", headers={"X-Junk": "a" * 20000})
        assert big.status in (400, 431)
        assert server.get("/healthz").status == 200
