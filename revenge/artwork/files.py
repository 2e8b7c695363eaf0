"""Where artwork lives on disk, below ``DATA_DIR/artwork``: what is there is the record of
what was made (a restart finds it and makes nothing again).

A poster is ``posters/{media}.{key}.jpg`` and a thumbnails set ``trickplay/{media}.{key}/``,
``key`` naming the file's size and mtime and the artwork version: a changed file gets a new
key, and making its new artwork removes the old. Everything is written beside its final
name and renamed into place, so a half-made picture is never served (blocking: threads).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from revenge.store.records import MediaRecord

# Bumped when the pictures made change (size, choice of frame): older ones are made again.
ARTWORK_VERSION = 1


def artwork_key(record: MediaRecord) -> str:
    """What a picture of ``record`` was made from: the file as it is now."""
    text = f"{record.size}:{record.mtime_ns}:{ARTWORK_VERSION}"
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


class ArtworkFiles:
    """The artwork directory of one server."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.posters = directory / "posters"
        self.trickplay = directory / "trickplay"

    def prepare(self) -> None:
        """Create the directories; remove what an interrupted run left half-made."""
        for folder in (self.posters, self.trickplay):
            folder.mkdir(parents=True, exist_ok=True)
            for leftover in folder.glob("*.part*"):
                _remove(leftover)

    def poster(self, record: MediaRecord) -> Path:
        """Where the poster of ``record`` as it is now goes."""
        return self.posters / f"{record.id}.{artwork_key(record)}.jpg"

    def thumbnails(self, record: MediaRecord) -> Path:
        """The folder the thumbnails of ``record`` as it is now go in."""
        return self.trickplay / f"{record.id}.{artwork_key(record)}"

    def part(self, final: Path) -> Path:
        """The name ``final`` is written under until it is complete."""
        return final.with_name(final.name + ".part")

    def commit(self, final: Path) -> None:
        """Move the complete ``part(final)`` into place; remove older sets of the media."""
        os.replace(self.part(final), final)
        self.remove_others(final)

    def remove_others(self, keep: Path) -> None:
        """Remove the media's artwork of this kind other than ``keep`` (regeneration)."""
        media_id = keep.name.split(".", 1)[0]
        for other in keep.parent.glob(f"{media_id}.*"):
            if other != keep:
                _remove(other)

    def forget(self, media_id: str) -> None:
        """Remove every picture of a media gone from the library."""
        for folder in (self.posters, self.trickplay):
            for found in folder.glob(f"{media_id}.*"):
                _remove(found)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
