"""Posters: a picture beside the video (``Name.jpg``, ``Name-poster.jpg``, ``poster.jpg``,
``folder.jpg``) wins; else the poster frame ffmpeg grabs, kept in the artwork directory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

import attrs

from revenge.artwork.child import ArtworkFailed, run_child
from revenge.artwork.files import artwork_key
from revenge.artwork.maker import Maker
from revenge.artwork.poster import poster_argv, poster_size, poster_window
from revenge.halt import Halt
from revenge.library.cover import picture_beside
from revenge.library.naming import EPISODE, classify
from revenge.store.records import MediaRecord

T = TypeVar("T")
POSTER_TIMEOUT = 300.0  # seconds one poster may take (a file on a dead share does not hang)


@attrs.frozen
class Picture:
    """A picture to serve: its file, media type and a strong validator."""

    path: Path
    content_type: str
    etag: str


def _stems(record: MediaRecord) -> tuple[str, ...]:
    """The names of pictures beside the file that are its poster; a season folder's
    ``poster.jpg`` is the season's, not each episode's."""
    stem = Path(record.path).stem
    mine = (stem, f"{stem}-poster", f"{stem}-thumb")
    naming = classify(record.relative_path, has_video=True, tags=record.probe.tags)
    return mine if naming.category == EPISODE else (*mine, "poster", "folder")


class Posters(Maker[Picture]):
    """Finds and makes posters (the ``make`` method is the poster queue's work)."""

    def _look(self, record: MediaRecord) -> Picture | None:
        """The poster on disk now (blocking)."""
        beside = picture_beside(Path(record.path), _stems(record))
        if beside is not None:
            path, content_type = beside
            stat = path.stat()
            tag = hashlib.blake2b(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode(),
                                  digest_size=8).hexdigest()
            return Picture(path, content_type, tag)
        made = self._files.poster(record)
        return Picture(made, "image/jpeg", artwork_key(record)) if made.exists() else None

    async def make(self, record: MediaRecord, halt: Halt) -> None:
        """Make ``record``'s poster unless it has one (beside it, or made before)."""
        if await self.find(record) is not None:
            return
        size = poster_size(record)
        if size is None:
            raise ArtworkFailed(f"{record.relative_path} has no picture of known size")
        final = self._files.poster(record)
        part = self._files.part(final)
        await self._thread(lambda: final.parent.mkdir(parents=True, exist_ok=True))
        for skip_dark in (True, False):
            argv = poster_argv(self._ffmpeg, record.path, str(part), size=size,
                               window=poster_window(record.probe.duration),
                               skip_dark=skip_dark)
            try:
                await run_child(halt, argv, reactor=self._reactor, clock=self._clock,
                                timeout=POSTER_TIMEOUT, what=record.relative_path)
            except ArtworkFailed:
                await self._thread(lambda: part.unlink(missing_ok=True))
                raise
            if await self._thread(part.exists):
                await self._thread(lambda: self._files.commit(final))
                await self.find(record)
                return
        raise ArtworkFailed(f"ffmpeg found no frame in {record.relative_path}")
