"""The OpenAPI document: valid OpenAPI 3.1 (``openapi-spec-validator``), describing every
route the app registers (and the Site's segment route) and nothing else, and true of what
the routes answer."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from revenge.api.segments import ROUTE as SEGMENT_ROUTE
from revenge.testing import AppHarness, Client
from tests.api.support import FILM, SONG, open_session

_METHODS = {"get", "put", "post", "delete", "patch"}


def _template(rule: str) -> str:
    """``/media/<string:media_id>`` → ``/media/{media_id}``."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _registered(harness: AppHarness) -> set[tuple[str, str]]:
    found = {(_template(rule.rule), method.lower())
             for rule in harness.app.url_map.iter_rules()
             for method in rule.methods or () if method.lower() in _METHODS}
    return found | {(_template(SEGMENT_ROUTE), "get")}


def _document(client: Client) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status == 200 and answer.header("Content-Type") == "application/json"
    doc: dict[str, Any] = answer.json()
    return doc


def test_the_document_is_valid_openapi_3_1(harness: AppHarness) -> None:
    doc = _document(harness.anonymous)
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any fault


def test_it_describes_every_route_and_only_those(harness: AppHarness) -> None:
    doc = _document(harness.anonymous)
    documented = {(path, method) for path, item in doc["paths"].items()
                  for method in item if method in _METHODS}
    registered = _registered(harness)
    assert registered - documented == set(), "routes the document misses"
    assert documented - registered == set(), "documented routes that do not exist"
    # Path parameters named in the template are the ones declared.
    for path, item in doc["paths"].items():
        for operation in (item[m] for m in item if m in _METHODS):
            declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert declared == set(re.findall(r"{([a-z_]+)}", path)), path


def _conforms(doc: dict[str, Any], schema: str, value: Any) -> None:
    root = {"$ref": f"#/components/schemas/{schema}", "components": doc["components"]}
    errors = [e.message for e in Draft202012Validator(root).iter_errors(value)]
    assert errors == [], f"{schema}: {errors}"


def test_answers_match_their_schemas(harness: AppHarness, alice: Client) -> None:
    doc = _document(harness.anonymous)
    _conforms(doc, "MediaPage", alice.get("/api/v1/media").json())
    _conforms(doc, "Media", alice.get(f"/api/v1/media/{SONG.id}").json())
    _conforms(doc, "AlbumList", alice.get("/api/v1/library/albums").json())
    _conforms(doc, "Me", alice.get("/api/v1/me").json())
    _conforms(doc, "Session", open_session(alice, FILM.id))
    _conforms(doc, "SessionList", alice.get("/api/v1/playback/sessions").json())
    _conforms(doc, "ScanStatus", alice.get("/api/v1/library/scan").json())
    _conforms(doc, "Error", alice.get("/api/v1/media/nope").json())
    _conforms(doc, "Ready", alice.get("/readyz").json())
    # and a schema that can fail does
    bad = alice.get(f"/api/v1/media/{FILM.id}").json() | {"playable": "yes"}
    assert list(Draft202012Validator({"$ref": "#/components/schemas/Media",
                                      "components": doc["components"]}).iter_errors(bad))
