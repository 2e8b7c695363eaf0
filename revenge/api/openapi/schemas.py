"""The JSON shapes of the API (OpenAPI 3.1 ``components.schemas``, JSON Schema 2020-12)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to ``#/components/schemas/{name}``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] | None = None,
        description: str | None = None) -> Schema:
    """An object with ``properties``; all of them required unless ``required`` says."""
    doc: Schema = {"type": "object", "properties": properties,
                   "required": list(properties if required is None else required)}
    if description:
        doc["description"] = description
    return doc


def nullable(kind: str, **more: Any) -> Schema:
    """A value of JSON type ``kind``, or null."""
    return {"type": [kind, "null"], **more}


def items_of(name: str) -> Schema:
    """``{"items": [name, ...]}``, as the listings answer."""
    return obj({"items": {"type": "array", "items": ref(name)}})


STRING, INTEGER, NUMBER, BOOLEAN = ({"type": t} for t in ("string", "integer", "number",
                                                           "boolean"))
URL = nullable("string", description="a signed URL an <img> or <track> can load")

_STREAM = obj({
    "index": INTEGER, "kind": {"enum": ["video", "audio", "subtitle", "data", "attachment"]},
    "codec": STRING, "width": INTEGER, "height": INTEGER, "language": STRING,
    "channels": INTEGER, "bitrate": INTEGER,
}, required=("index", "kind"), description="a stream as the probe saw it (more keys when "
                                           "known: profile, level, frame_rate, bit_depth...)")
_NAMING = obj({
    "category": {"enum": ["film", "episode", "music", "video"]}, "title": STRING,
    "year": INTEGER, "series": STRING, "series_id": STRING, "season": INTEGER,
    "episode": INTEGER, "artist": STRING, "album": STRING, "album_id": STRING,
    "track": INTEGER, "disc": INTEGER,
}, required=("category", "title"), description="what the library made of the file's name "
                                               "and tags")
_DETAILS = obj({name: nullable("string") for name in (
    "container", "video", "resolution", "audio", "channels", "duration", "size")},
    description='facts as people say them: "MKV", "HEVC 10-bit HDR", "1080p", "5.1", '
                '"1:42:05", "1.4 GB"')
_MEDIA = obj({
    "id": STRING, "title": STRING, "kind": {"enum": ["video", "audio", "other"]},
    "library": {"oneOf": [ref("Naming"), {"type": "null"}]},
    "tags": {"type": "object", "additionalProperties": STRING},
    "cover_url": URL, "poster_url": URL, "thumbnails_url": URL,
    "file": STRING, "size": INTEGER, "added_at": {"type": "string", "format": "date-time"},
    "duration": nullable("number"), "truncated": BOOLEAN, "container": nullable("string"),
    "bitrate": nullable("integer"), "details": ref("Details"),
    "streams": {"type": "array", "items": ref("Stream")},
    "audio_tracks": {"type": "array", "items": {"type": "object"}},
    "subtitle_tracks": {"type": "array", "items": {"type": "object"}},
    "probe_error": nullable("string"), "playable": BOOLEAN,
    "resume_position": nullable("number"),
}, required=("id", "title", "kind", "library", "tags", "cover_url", "file", "size",
             "added_at", "duration", "details", "streams", "playable", "resume_position"))
_PAGE = obj({"items": {"type": "array", "items": ref("Media")}, "total": INTEGER,
             "offset": INTEGER, "limit": INTEGER})
_SEASON = obj({"number": INTEGER, "title": STRING,
               "episodes": {"type": "array", "items": ref("Media")}})
_SERIES = obj({"id": STRING, "title": STRING, "year": nullable("integer"),
               "season_count": INTEGER, "episode_count": INTEGER,
               "first_episode_id": STRING, "poster_url": URL,
               "seasons": {"type": "array", "items": ref("Season")}},
              required=("id", "title", "year", "season_count", "episode_count",
                        "first_episode_id", "poster_url"))
_ALBUM = obj({"id": STRING, "title": nullable("string"), "artist": nullable("string"),
              "year": nullable("integer"), "track_count": INTEGER, "cover_url": URL,
              "duration": NUMBER, "tracks": {"type": "array", "items": ref("Media")}},
             required=("id", "title", "artist", "year", "track_count", "cover_url",
                       "duration"))
_SESSION_CREATE = obj({
    "media_id": STRING, "start_position": {"type": "number", "minimum": 0},
    "max_bitrate": {"type": "integer", "minimum": 1}, "profile": STRING,
    "abr": {"enum": ["client", "server"]},
    "audio_track": {"type": "integer", "minimum": 0},
    "subtitle_track": {"type": "integer", "minimum": 0}, "burn_subtitles": BOOLEAN,
    "client": obj({k: {"type": "array", "items": STRING}
                   for k in ("containers", "video_codecs", "audio_codecs")}, required=()),
}, required=("media_id",))
_SESSION = obj({
    "session_id": STRING, "user": STRING, "media_id": STRING, "title": nullable("string"),
    "mode": STRING, "state": STRING, "position": NUMBER,
    "profiles": {"type": "array", "items": STRING},
    "master_url": {"type": "string", "description": "only in the answer to a creation"},
    "direct_url": {"type": "string", "description": "only when the original plays as is"},
}, required=("session_id", "media_id", "mode", "state", "position", "profiles"),
    description="a playback session and its stream metrics (more keys: bandwidth, buffers, "
                "stats)")
_PREFERENCES = obj({"audio_language": nullable("string"),
                    "subtitle_language": nullable("string"),
                    "subtitle_mode": {"enum": ["auto", "always", "forced", "off"]}})
_JOB = obj({
    "kind": {"enum": ["scan", "posters", "thumbnails"]}, "running": BOOLEAN,
    "done": INTEGER, "total": INTEGER, "failed": INTEGER, "current": nullable("string"),
})

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": obj({"code": STRING, "message": STRING})}),
    "Stream": _STREAM, "Naming": _NAMING, "Details": _DETAILS, "Media": _MEDIA,
    "MediaPage": _PAGE, "MediaList": items_of("Media"), "Season": _SEASON,
    "Series": _SERIES, "SeriesList": items_of("Series"), "Album": _ALBUM,
    "AlbumList": items_of("Album"),
    "SessionCreate": _SESSION_CREATE, "Session": _SESSION,
    "SessionList": obj({"items": {"type": "array", "items": ref("Session")},
                        "total": INTEGER}),
    "Progress": obj({"position": {"type": "number", "minimum": 0},
                     "state": {"enum": ["playing", "paused", "buffering", "stopped"]}},
                    required=("position",)),
    "Preferences": _PREFERENCES,
    "Me": obj({"id": STRING, "name": STRING, "is_admin": BOOLEAN,
               "preferences": ref("Preferences")}),
    "ScanStatus": obj({"scanning": BOOLEAN, "last": nullable("object")}),
    "Job": _JOB, "Jobs": obj({"jobs": {"type": "array", "items": ref("Job")}}),
    "Health": obj({"status": STRING}),
    "Ready": obj({"ready": BOOLEAN, "checks": {"type": "object",
                                               "additionalProperties": BOOLEAN}}),
}
