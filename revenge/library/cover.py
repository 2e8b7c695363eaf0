"""Cover art of a media item: the picture embedded in the file (album art, a poster track),
else an image beside it (``cover.jpg``, ``folder.jpg``, ``Name.jpg``).

Reading is blocking (a file open, one packet demuxed, or a small image read): callers run
it in a thread. Pictures are small and asked for again and again by library pages, so the
last few are kept in memory, bounded in bytes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import attrs

from revenge.store.records import MediaRecord

SIDECAR_NAMES = ("cover", "folder", "front", "album", "poster")
_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
          ".webp": "image/webp"}
_CODEC_TYPES = {"mjpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                "bmp": "image/bmp", "gif": "image/gif"}
MAX_PICTURE = 8 * 1024 * 1024


@attrs.frozen
class Cover:
    """A picture and its media type, with a strong validator of its bytes."""

    data: bytes
    content_type: str

    @property
    def etag(self) -> bytes:
        return b'"%s"' % hashlib.sha256(self.data).hexdigest()[:32].encode()


def _embedded(record: MediaRecord) -> Cover | None:
    stream = record.probe.cover
    if stream is None:
        return None
    import av

    with av.open(record.path) as container:
        picture = container.streams[stream.index]
        for packet in container.demux(picture):
            data = bytes(packet)
            if data and len(data) <= MAX_PICTURE:
                return Cover(data, _CODEC_TYPES.get(stream.codec or "", "image/jpeg"))
            break
    return None


def picture_beside(path: Path, stems: Sequence[str]) -> tuple[Path, str] | None:
    """The first image ``{stem}.jpg`` (``.jpeg``, ``.png``, ``.webp``) in ``path``'s folder,
    by the order of ``stems``, no larger than ``MAX_PICTURE``, and its media type (blocking)."""
    for stem in stems:
        for suffix, content_type in _TYPES.items():
            candidate = path.with_name(stem + suffix)
            try:
                if candidate.stat().st_size <= MAX_PICTURE:
                    return candidate, content_type
            except OSError:
                continue
    return None


def _beside(record: MediaRecord) -> Cover | None:
    path = Path(record.path)
    found = picture_beside(path, (path.stem, *SIDECAR_NAMES))
    return Cover(found[0].read_bytes(), found[1]) if found else None


def has_cover(record: MediaRecord) -> bool:
    """Whether ``read_cover`` would find a picture, without reading one (blocking)."""
    path = Path(record.path)
    return record.probe.cover is not None or picture_beside(
        path, (path.stem, *SIDECAR_NAMES)) is not None


def read_cover(record: MediaRecord) -> Cover | None:
    """The media's cover art, or None (blocking: call from a thread)."""
    try:
        return _embedded(record) or _beside(record)
    except Exception:  # an unreadable file has no cover; it is no error of the request
        return None


class CoverCache:
    """The most recently read covers, at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._max = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[tuple[str, int], Cover | None] = OrderedDict()

    def get(self, record: MediaRecord) -> tuple[bool, Cover | None]:
        """(known, cover) for the record as it is on disk now."""
        key = (record.id, record.mtime_ns)
        if key not in self._entries:
            return False, None
        self._entries.move_to_end(key)
        return True, self._entries[key]

    def put(self, record: MediaRecord, cover: Cover | None) -> None:
        """Remember what ``read_cover`` found, dropping the oldest past the bound."""
        key = (record.id, record.mtime_ns)
        if key in self._entries:
            return
        self._entries[key] = cover
        self._bytes += len(cover.data) if cover else 0
        while self._bytes > self._max and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped.data) if dropped else 0
