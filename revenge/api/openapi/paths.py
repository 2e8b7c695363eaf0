"""Every public route as an OpenAPI 3.1 path item: parameters, bodies, answers, security.

``tests/api/test_openapi.py`` holds this table to the routes the app registers, both ways.
"""

from __future__ import annotations

from typing import Any

from revenge.api.openapi.schemas import Schema, ref

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
# An <img>, <video> or <track> cannot send a header: a signed ?t= token, or the bearer.
SIGNED: list[dict[str, list[str]]] = [{"signedUrl": []}, {"bearer": []}]
PUBLIC: list[dict[str, list[str]]] = []


def _json(schema: str, description: str) -> Schema:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


def _binary(media_type: str, description: str) -> Schema:
    return {"description": description,
            "content": {media_type: {"schema": {"type": "string",
                                                "contentMediaType": media_type}}}}


_ERROR = _json("Error", "an error: a 4xx or 5xx status and its code")


def _path(name: str, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


MEDIA_ID = _path("media_id", "a media id (from the listing)")
SESSION_ID = _path("session_id", "a playback session id")
TOKEN = _query("t", {"type": "string"}, "the signed token of the URL (players that cannot "
                                        "send headers)")
LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
               "at most this many items")
_LISTING = [
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "items to skip"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
           "items in the page"),
    _query("category", {"enum": ["film", "episode", "music", "video"]}, "only this kind"),
    _query("q", {"type": "string", "maxLength": 200},
           "words every item's title (or series, artist, album) begins a word with"),
    _query("sort", {"enum": ["title", "added", "year"], "default": "title"}, "the order"),
    _query("order", {"enum": ["asc", "desc"]},
           "ascending or descending (default: A to Z for title, newest first otherwise)"),
]


def op(operation_id: str, summary: str, *, tag: str, ok: Schema,
       security: list[dict[str, list[str]]] = BEARER, status: str = "200",
       params: tuple[Schema, ...] = (), body: str | None = None,
       description: str | None = None) -> Schema:
    """One operation: its answer ``ok`` (with ``status``), and errors as ``Error``."""
    doc: Schema = {"operationId": operation_id, "summary": summary, "tags": [tag],
                   "security": security, "responses": {status: ok, "default": _ERROR}}
    if description:
        doc["description"] = description
    if params:
        doc["parameters"] = list(params)
    if body:
        doc["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return doc


def _media_paths() -> dict[str, Any]:
    return {
        "/api/v1/media": {"get": op(
            "listMedia", "A page of the library", tag="library", params=tuple(_LISTING),
            ok=_json("MediaPage", "the items, with each one's resume position"))},
        "/api/v1/media/{media_id}": {"get": op(
            "getMedia", "One media item", tag="library", params=(MEDIA_ID,),
            ok=_json("Media", "the item"))},
        "/api/v1/media/{media_id}/stream": {"get": op(
            "directPlay", "The original file (Range requests, ETag)", tag="playback",
            security=SIGNED, params=(MEDIA_ID, TOKEN),
            ok=_binary("application/octet-stream", "the file, or the ranges asked for"))},
        "/api/v1/media/{media_id}/cover": {"get": op(
            "getCover", "Cover art of a song or album", tag="artwork", security=SIGNED,
            params=(MEDIA_ID, TOKEN), ok=_binary("image/jpeg", "the picture (ETag; 304)"))},
        "/api/v1/media/{media_id}/poster": {"get": op(
            "getPoster", "A video's poster: a picture beside it, else a frame of it",
            tag="artwork", security=SIGNED,
            params=(MEDIA_ID, TOKEN, _query("v", {"type": "string"},
                                            "the poster's version; with it, cached for good")),
            description="Made at once when the background job has not reached it yet.",
            ok=_binary("image/jpeg", "the picture (ETag; 304)"))},
        "/api/v1/media/{media_id}/thumbnails/{name}": {"get": op(
            "getThumbnails", "Scrubbing previews: `index.vtt`, then its sprite sheets",
            tag="artwork", security=SIGNED,
            params=(MEDIA_ID, _path("name", "`index.vtt` or `sheet-NNN.jpg`"), TOKEN,
                    _query("v", {"type": "string"}, "the previews' version")),
            description="A WebVTT track whose cues name a sheet and a place in it "
                        "(`sheet-000.jpg?...#xywh=x,y,w,h`): a 320 px picture every 10 s.",
            ok=_binary("text/vtt", "the track, or image/jpeg: a sheet"))},
        "/api/v1/media/{media_id}/subtitles/{name}": {"get": op(
            "getSubtitles", "A whole text subtitle track as WebVTT", tag="playback",
            security=SIGNED, params=(MEDIA_ID, _path("name", "`{track}.vtt`"), TOKEN),
            ok=_binary("text/vtt", "the track"))},
    }


def _collection(name: str, schema: str, key: str, what: str, listing: tuple[str, str, str],
                item: tuple[str, str]) -> dict[str, Any]:
    """``/api/v1/library/{name}`` and one of them by ``key``."""
    list_id, list_summary, list_answer = listing
    list_schema = "SeriesList" if schema == "Series" else f"{schema}List"
    return {
        f"/api/v1/library/{name}": {"get": op(
            list_id, list_summary, tag="library", ok=_json(list_schema, list_answer))},
        f"/api/v1/library/{name}/{{{key}}}": {"get": op(
            item[0], item[1], tag="library", params=(_path(key, what),),
            ok=_json(schema, f"the {schema.lower()}"))},
    }


def _library_paths() -> dict[str, Any]:
    return {
        "/api/v1/library/scan": {
            "get": op("scanStatus", "Whether a scan runs, and what the last one did",
                      tag="library", ok=_json("ScanStatus", "the scan's state")),
            "post": op("startScan", "Scan the media folders now (admins)", tag="library",
                       status="202", ok=_json("ScanStatus", "the scan started"))},
        "/api/v1/library/jobs": {"get": op(
            "listJobs", "The background jobs (scan, posters, thumbnails) and their progress",
            tag="library", ok=_json("Jobs", "each job"))},
        "/api/v1/library/continue": {"get": op(
            "continueWatching", "Started and unfinished, most recent first", tag="library",
            params=(LIMIT,), ok=_json("MediaList", "the items, with resume positions"))},
        "/api/v1/library/next": {"get": op(
            "nextEpisodes", "The episode after the last one finished, per series",
            tag="library", params=(LIMIT,), ok=_json("MediaList", "the episodes"))},
        **_collection("series", "Series", "series_id", "a series id",
                      ("listSeries", "Every series, by title", "the series"),
                      ("getSeries", "A series with its seasons and episodes, in order")),
        **_collection("albums", "Album", "album_id", "an album id",
                      ("listAlbums", "Every album, by artist and title", "the albums"),
                      ("getAlbum", "An album with its tracks, in order")),
    }


def _session_paths() -> dict[str, Any]:
    playlist = _binary("application/vnd.apple.mpegurl", "the playlist, its URLs signed")
    return {
        "/api/v1/playback/sessions": {
            "get": op("listSessions", "Your sessions (an admin: everyone's)", tag="playback",
                      ok=_json("SessionList", "the sessions")),
            "post": op("createSession", "Open a playback session", tag="playback",
                       status="201", body="SessionCreate",
                       ok=_json("Session", "the session, its master_url and direct_url"))},
        "/api/v1/playback/sessions/{session_id}": {
            "get": op("getSession", "A session and its stream metrics", tag="playback",
                      params=(SESSION_ID,), ok=_json("Session", "the session")),
            "delete": op("deleteSession", "Stop a session", tag="playback",
                         params=(SESSION_ID,), status="204",
                         ok={"description": "stopped"})},
        "/api/v1/playback/sessions/{session_id}/progress": {"post": op(
            "reportProgress", "Where the player is (a heartbeat)", tag="playback",
            params=(SESSION_ID,), body="Progress", ok=_json("Session", "the session"))},
        "/api/v1/playback/{session_id}/master.m3u8": {"get": op(
            "masterPlaylist", "The HLS master playlist", tag="playback", security=SIGNED,
            params=(SESSION_ID, TOKEN), ok=playlist)},
        "/api/v1/playback/{session_id}/{profile}/index.m3u8": {"get": op(
            "mediaPlaylist", "A rendition's playlist", tag="playback", security=SIGNED,
            params=(SESSION_ID, _path("profile", "a rendition name"), TOKEN), ok=playlist)},
        "/api/v1/playback/{session_id}/{profile}/{name}": {"get": op(
            "segment", "A segment (MPEG-TS, fMP4 or WebVTT)", tag="playback",
            security=SIGNED, params=(SESSION_ID, _path("profile", "a rendition name"),
                                     _path("name", "`{number}.{ts|m4s|mp4|vtt}`"), TOKEN),
            ok=_binary("video/mp2t", "the segment; X-Served-From says where from"))},
    }


def _other_paths() -> dict[str, Any]:
    html = {"description": "the page", "content": {"text/html": {"schema": {
        "type": "string"}}}}
    return {
        "/api/v1/me": {"get": op("getMe", "Who the token belongs to", tag="account",
                                 ok=_json("Me", "the user"))},
        "/api/v1/me/preferences": {
            method: op(f"{method}Preferences", "Set languages and the subtitle mode",
                       tag="account", body="Preferences",
                       ok=_json("Preferences", "the preferences now"))
            for method in ("put", "patch")},
        "/api/v1/openapi.json": {"get": op(
            "openapi", "This document", tag="meta", security=PUBLIC,
            ok={"description": "OpenAPI 3.1", "content": {"application/json": {
                "schema": {"type": "object"}}}})},
        "/healthz": {"get": op("healthz", "The process is up", tag="meta", security=PUBLIC,
                               ok=_json("Health", "up"))},
        "/readyz": {"get": op("readyz", "The store is open and Blackbeard reachable",
                              tag="meta", security=PUBLIC, ok=_json("Ready", "ready (503: not)"))},
        "/metrics": {"get": op("metrics", "Prometheus metrics", tag="meta", security=PUBLIC,
                               ok=_binary("text/plain", "the metrics"))},
        "/": {"get": op("webPlayer", "The web player", tag="web", security=PUBLIC, ok=html)},
        "/static/{name}": {"get": op(
            "staticFile", "A file of the web player", tag="web", security=PUBLIC,
            params=(_path("name", "a file name"),),
            ok=_binary("text/javascript", "the file (ETag)"))},
    }


def paths() -> dict[str, Any]:
    """Every documented path."""
    return {**_media_paths(), **_library_paths(), **_session_paths(), **_other_paths()}
