"""Every error is JSON with a fitting status; bearer tokens gate ``/api/v1``; admins are
admins."""

from __future__ import annotations

import pytest

from revenge.testing import AppHarness, Client
from tests.api.support import FILM


def test_unknown_routes_and_media_are_json_404s(alice: Client) -> None:
    unknown = alice.get("/no/such/route")
    assert (unknown.status, unknown.error) == (404, "not_found")
    assert unknown.header("Content-Type") == "application/json"
    assert unknown.json()["error"]["message"] == "no such resource"
    missing = alice.get("/api/v1/media/0000000000000000")
    assert (missing.status, missing.error) == (404, "media_not_found")
    assert alice.get("/api/v1//media").status == 404  # no redirect for a doubled slash


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/api/v1/media", {"GET", "HEAD"}),
    ("DELETE", "/api/v1/media", {"GET", "HEAD"}),
    ("PUT", "/api/v1/playback/sessions", {"GET", "HEAD", "POST"}),
    ("POST", "/api/v1/playback/sessions/abc", {"GET", "HEAD", "DELETE"}),
    ("GET", "/api/v1/playback/sessions/abc/progress", {"POST"}),
    ("POST", "/healthz", {"GET", "HEAD"}),
])
def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(
    alice: Client, method: str, path: str, allowed: set[str]
) -> None:
    answer = alice.fetch(method, path)
    assert (answer.status, answer.error) == (405, "method_not_allowed")
    assert set((answer.header("Allow") or "").split(", ")) == allowed


def test_a_segment_path_takes_only_get_and_head(alice: Client) -> None:
    answer = alice.post("/api/v1/playback/abc/source/0.ts?t=1.x")
    assert (answer.status, answer.error) == (405, "method_not_allowed")
    assert answer.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "offset=x", "limit=1.5"])
def test_bad_paging_arguments_are_400s(alice: Client, query: str) -> None:
    answer = alice.get(f"/api/v1/media?{query}")
    assert (answer.status, answer.error) == (400, "bad_argument")


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Token abc", "Bearer rv_nope_nope",
    "Bearer not-even-shaped-like-a-token",
])
def test_missing_or_unknown_tokens_get_401_with_a_challenge(
    harness: AppHarness, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for path in ("/api/v1/media", f"/api/v1/media/{FILM.id}", "/api/v1/playback/sessions",
                 "/api/v1/me", "/api/v1/library/scan"):
        answer = harness.anonymous.get(path, headers=headers)
        assert (answer.status, answer.error) == (401, "unauthorized"), (path, authorization)
        assert (answer.header("WWW-Authenticate") or "").startswith('Bearer realm="revenge"')
    created = harness.anonymous.post("/api/v1/playback/sessions", {"media_id": FILM.id},
                                     headers=headers)
    assert created.status == 401
    assert harness.playback.sessions_of("anyone") == []


def test_an_unknown_token_is_told_apart_from_no_token(harness: AppHarness) -> None:
    none = harness.anonymous.get("/api/v1/media")
    wrong = harness.anonymous.with_token("rv_abc_def").get("/api/v1/media")
    assert "invalid_token" not in (none.header("WWW-Authenticate") or "")
    assert 'error="invalid_token"' in (wrong.header("WWW-Authenticate") or "")


def test_an_altered_or_revoked_token_stops_working_at_once(harness: AppHarness) -> None:
    alice = harness.new_user("alice")
    assert alice.token is not None
    assert alice.get("/api/v1/media").status == 200
    assert alice.with_token(alice.token + "x").get("/api/v1/media").status == 401
    assert alice.with_token(alice.token[:-1]).get("/api/v1/media").status == 401
    harness.store.revoke_token(alice.token.split("_")[1])
    answer = alice.get("/api/v1/media")
    assert (answer.status, answer.error) == (401, "unauthorized")


def test_me_says_who_the_token_belongs_to(alice: Client, admin: Client) -> None:
    me = alice.get("/api/v1/me").json()
    assert (me["name"], me["is_admin"]) == ("alice", False) and me["id"]
    assert admin.get("/api/v1/me").json()["is_admin"] is True


def test_only_an_admin_may_rescan(harness: AppHarness, alice: Client, admin: Client) -> None:
    refused = alice.post("/api/v1/library/scan")
    assert (refused.status, refused.error) == (403, "forbidden")
    assert harness.library.last_scan is None
    started = admin.post("/api/v1/library/scan")
    assert started.status == 202 and started.json() == {"scanning": True}
    assert started.header("Location") == "/api/v1/library/scan"
    assert alice.get("/api/v1/library/scan").status == 200


def test_health_and_readiness_follow_the_store_and_blackbeard(harness: AppHarness) -> None:
    client = harness.anonymous
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status == 200
    assert ready.json() == {"ready": True, "checks": {"store": True, "blackbeard": True}}
    harness.transcoder.healthy = False
    down = client.get("/readyz")
    assert down.status == 503
    assert down.json() == {"ready": False, "checks": {"store": True, "blackbeard": False}}
