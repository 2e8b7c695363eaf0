"""The media JSON: what the API shows of a media item (no absolute paths), with the signed
URLs an ``<img>`` or ``<track>`` loads, what the library made of its name, and its facts as
people say them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

from revenge.api import tracks
from revenge.api.artwork import poster_scope, thumbnails_scope
from revenge.api.tracks import tracks_json
from revenge.artwork.files import artwork_key
from revenge.artwork.service import ArtworkService
from revenge.library.catalog import Catalog, group_id
from revenge.library.friendly import details
from revenge.library.naming import EPISODE, MUSIC, Naming
from revenge.security.signing import UrlSigner
from revenge.store.records import MediaRecord

URL_GRANULARITY = 3600


def naming_json(naming: Naming) -> dict[str, Any]:
    """What the file is in the library, and the ids of the series or album it belongs to."""
    doc = {k: v for k, v in attrs.asdict(naming).items() if v is not None}
    if naming.category == EPISODE:
        doc["series_id"] = group_id(naming.series)
    elif naming.category == MUSIC:
        doc["album_id"] = group_id(naming.artist, naming.album)
    return doc


class MediaViews:
    """Renders media records for one server: its signer and its catalog."""

    def __init__(self, *, signer: UrlSigner, catalog: Catalog,
                 artwork: ArtworkService) -> None:
        self._signer = signer
        self._catalog = catalog
        self._artwork = artwork

    def _signed(self, scope: str) -> str:
        # Tokens change once an hour, not at each listing: the browser's cache holds.
        return self._signer.sign(scope, granularity=URL_GRANULARITY)

    def poster_url(self, record: MediaRecord) -> str | None:
        """The signed, versioned poster URL of a video once its poster is found or made
        (an ``<img>`` of a listing never waits for ffmpeg, nor gets a 404)."""
        known = self._artwork.posters.known(record)
        if known is None:
            return None
        return (f"/api/v1/media/{record.id}/poster?v={known.etag}"
                f"&t={self._signed(poster_scope(record.id))}")

    def cover_url(self, record: MediaRecord) -> str | None:
        """The signed cover art URL of a song, or of a file with a picture in it."""
        if record.probe.video is not None and record.probe.cover is None:
            return None
        if not (record.probe.audio or record.probe.cover):
            return None
        if record.probe.cover is None and self._artwork.cover_known(record) is False:
            return None  # a song with no picture in it or beside it: no <img> to fail
        return f"/api/v1/media/{record.id}/cover?t={self._signed(f'cover:{record.id}')}"

    def thumbnails_url(self, record: MediaRecord) -> str | None:
        """The signed URL of the scrubbing previews' WebVTT track, once they are made."""
        if self._artwork.thumbnails.known(record) is None:
            return None
        return (f"/api/v1/media/{record.id}/thumbnails/index.vtt?v={artwork_key(record)}"
                f"&t={self._signed(thumbnails_scope(record.id))}")

    def one(self, record: MediaRecord, resume_position: float | None = None) -> dict[str, Any]:
        """The public view of ``record``, with this user's resume position."""
        probe = record.probe
        kind = "video" if probe.video is not None else "audio" if probe.audio else "other"
        entry = self._catalog.get(record.id)
        naming = entry.naming if entry is not None else None
        return {
            "id": record.id,
            "title": naming.title if naming else probe.tags.get("title") or record.title,
            "kind": kind,
            "library": naming_json(naming) if naming else None,
            "tags": dict(probe.tags),
            "cover_url": self.cover_url(record),
            "poster_url": self.poster_url(record),
            "thumbnails_url": self.thumbnails_url(record),
            "file": record.relative_path,
            "size": record.size,
            "added_at": datetime.fromtimestamp(record.mtime_ns / 1e9, UTC).isoformat(
                timespec="seconds"),
            "duration": probe.duration,
            "truncated": probe.truncated,
            "container": probe.container,
            "bitrate": probe.bitrate,
            "details": details(record),
            "streams": [s.to_json() for s in probe.streams],
            **tracks_json(record, token=self._signer.sign(tracks.subtitles_scope(record.id))),
            "probe_error": probe.error,
            "playable": probe.error is None,
            "resume_position": resume_position,
        }
