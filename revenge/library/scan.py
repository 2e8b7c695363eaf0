"""Walking media roots (in a worker thread) and deciding what a rescan must probe."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping

import attrs

from revenge.store.records import PROBE_VERSION, MediaRecord


@attrs.frozen
class FoundFile:
    """A candidate media file seen on disk."""

    path: str
    root: str
    size: int
    mtime_ns: int

    @property
    def id(self) -> str:
        """The stable media id: the same path always gets the same id."""
        return media_id(self.path)


@attrs.frozen
class ScanPlan:
    """What a rescan must do to bring the index in line with the disk."""

    to_probe: tuple[FoundFile, ...]
    unchanged: int
    gone: tuple[str, ...]


def media_id(path: str) -> str:
    """A short, URL-safe, stable id for an absolute path (a moved file gets a new one)."""
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def walk_roots(roots: Iterable[str], extensions: Iterable[str]) -> Iterator[FoundFile]:
    """Yield every media file below ``roots`` (blocking: call from a worker thread).

    Symlinks to files are followed; symlinked directories are not, so a link loop or a link
    out of the media root cannot widen what is served.
    """
    wanted = {e.lower() for e in extensions}
    for root in roots:
        base = os.path.realpath(root)
        for directory, dirnames, filenames in os.walk(base, onerror=lambda _: None):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or os.path.splitext(name)[1].lower() not in wanted:
                    continue
                path = os.path.join(directory, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                if not os.path.isfile(path):
                    continue
                yield FoundFile(path, base, st.st_size, st.st_mtime_ns)


def plan_scan(found: Iterable[FoundFile], index: Mapping[str, MediaRecord]) -> ScanPlan:
    """Compare the files on disk with the index: probe the new and changed, drop the gone.

    A file probed by an older probe (``probe.version < PROBE_VERSION``) is probed again,
    unchanged or not: the new probe knows more about it.
    """
    to_probe = []
    seen = set()
    unchanged = 0
    for f in found:
        if f.id in seen:  # the same file reached through two roots
            continue
        seen.add(f.id)
        known = index.get(f.id)
        if (known is not None and known.size == f.size and known.mtime_ns == f.mtime_ns
                and known.probe.version >= PROBE_VERSION):
            unchanged += 1
        else:
            to_probe.append(f)
    gone = tuple(media_id_ for media_id_ in index if media_id_ not in seen)
    return ScanPlan(tuple(to_probe), unchanged, gone)
