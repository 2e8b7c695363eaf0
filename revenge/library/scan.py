"""Walking media roots (in a worker thread) and deciding what a rescan must probe."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping

import attrs

from revenge.store.records import PROBE_VERSION, MediaRecord, Sidecar
from revenge.subtitles.sidecars import SIDECAR_EXTENSIONS, is_sidecar_name, match_sidecars


@attrs.frozen
class FoundFile:
    """A candidate media file seen on disk."""

    path: str
    root: str
    size: int
    mtime_ns: int
    sidecars: tuple[Sidecar, ...] = ()  # subtitle files beside it, by name

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
    # Unchanged files whose sidecars changed: the records to save, not to probe again.
    sidecars_changed: tuple[MediaRecord, ...] = ()


def media_id(path: str) -> str:
    """A short, URL-safe, stable id for an absolute path (a moved file gets a new one)."""
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def walk_roots(roots: Iterable[str], extensions: Iterable[str]) -> Iterator[FoundFile]:
    """Yield every media file below ``roots``, with its sidecars (blocking: call from a
    worker thread).

    Symlinks to files are followed; symlinked directories are not, so a link loop or a link
    out of the media root cannot widen what is served. Subtitle files are never media.
    """
    wanted = {e.lower() for e in extensions} - set(SIDECAR_EXTENSIONS)
    for root in roots:
        base = os.path.realpath(root)
        for directory, dirnames, filenames in os.walk(base, onerror=lambda _: None):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            visible = sorted(name for name in filenames if not name.startswith("."))
            media = [n for n in visible if os.path.splitext(n)[1].lower() in wanted]
            sidecars = match_sidecars(media, [n for n in visible if is_sidecar_name(n)])
            for name in media:
                found = _found(directory, name, base, sidecars.get(name, ()))
                if found is not None:
                    yield found


def _found(directory: str, name: str, root: str, sidecars: Iterable[str]) -> FoundFile | None:
    """The file ``name`` of ``directory`` as found, or None if it is no regular file."""
    path = os.path.join(directory, name)
    st = _stat_file(path)
    if st is None:
        return None
    beside = []
    for sidecar in sidecars:
        sidecar_path = os.path.join(directory, sidecar)
        sidecar_st = _stat_file(sidecar_path)
        if sidecar_st is not None:
            beside.append(Sidecar(sidecar_path, sidecar_st.st_size, sidecar_st.st_mtime_ns))
    return FoundFile(path, root, st.st_size, st.st_mtime_ns, tuple(beside))


def _stat_file(path: str) -> os.stat_result | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def plan_scan(found: Iterable[FoundFile], index: Mapping[str, MediaRecord]) -> ScanPlan:
    """Compare the files on disk with the index: probe the new and changed, drop the gone.

    A file probed by an older probe (``probe.version < PROBE_VERSION``) is probed again,
    unchanged or not: the new probe knows more about it. An unchanged file whose sidecars
    came, went or changed keeps its probe; only its record is saved again.
    """
    to_probe = []
    sidecars_changed = []
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
            if known.sidecars != f.sidecars:
                sidecars_changed.append(attrs.evolve(known, sidecars=f.sidecars))
        else:
            to_probe.append(f)
    gone = tuple(media_id_ for media_id_ in index if media_id_ not in seen)
    return ScanPlan(tuple(to_probe), unchanged, gone, tuple(sidecars_changed))
