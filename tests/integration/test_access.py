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
