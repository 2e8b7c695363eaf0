"""The WebVTT files extracted so far, on disk under ``{data}/subtitles/{media_id}/``.

A file's name holds what it was made from (``s3-{size}-{mtime_ns}.vtt``: stream 3 of the
media file as it was then; ``x{digest}-...``: a sidecar), so a changed source is simply a
miss, and the stale file is deleted when the new one arrives. Files are written as
``.part`` and moved into place whole. The total size is bounded: past ``max_bytes`` the
least recently used files go. What is on disk is indexed once at start; every file system
call runs in a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import attrs
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

T = TypeVar("T")
_log = Logger()
_SUFFIX = ".vtt"
_PART = ".part"


@attrs.frozen
class Entry:
    """One track's WebVTT as made from its source at one size and mtime."""

    media_id: str
    source: str  # "s{stream index}" (the media file's stream) or "x{digest}" (a sidecar)
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        """Its file name in the media's directory."""
        return f"{self.source}-{self.size}-{self.mtime_ns}{_SUFFIX}"


def sidecar_source(path: str) -> str:
    """The ``source`` of a sidecar file's entries: a short digest of its path."""
    return "x" + hashlib.blake2b(path.encode("utf-8", "surrogateescape"),
                                 digest_size=6).hexdigest()


class SubtitleCache:
    """WebVTT files by ``Entry``, at most ``max_bytes`` of them (least recently used go)."""

    def __init__(self, directory: Path, *, max_bytes: int, reactor: IReactorThreads) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._reactor = reactor
        self._files: OrderedDict[tuple[str, str], int] = OrderedDict()  # least recent first
        self.bytes = 0
        self.ready = False
        self._open_waiters: list[Deferred[None]] = []

    def _thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThreadPool(self._reactor, self._reactor.getThreadPool(), work)

    async def open(self) -> None:
        """Index the files already there (oldest first), dropping unfinished ones. A
        directory that cannot be read leaves the cache empty: each extraction then fails
        with what is wrong, rather than the whole service waiting."""
        if self.ready:
            return
        try:
            found = await self._thread(lambda: _existing(self.directory))
        except OSError as e:
            _log.error("subtitle cache {path} unreadable: {error}", path=str(self.directory),
                       error=e.strerror)
            found = []
        for media_id, name, size in found:
            self._files[(media_id, name)] = size
            self.bytes += size
        self.ready = True
        waiters, self._open_waiters = self._open_waiters, []
        for waiter in waiters:
            if not waiter.called:  # else cancelled
                waiter.callback(None)
        await self._evict(keep=set())

    def when_open(self) -> Deferred[None]:
        """Fires once ``open`` has indexed the files."""
        if self.ready:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._open_waiters.append(waiter)
        return waiter

    def path(self, entry: Entry) -> Path:
        """Where ``entry``'s file is."""
        return self.directory / entry.media_id / entry.name

    def part(self, entry: Entry) -> Path:
        """Where an extraction writes ``entry``'s file before it is committed."""
        return self.directory / entry.media_id / (entry.name + _PART)

    def has(self, entry: Entry) -> bool:
        """Whether ``entry`` is cached (and, if so, it counts as just used)."""
        key = (entry.media_id, entry.name)
        if key in self._files:
            self._files.move_to_end(key)
            return True
        return False

    def prepare(self, media_id: str) -> Deferred[None]:
        """Make the media's directory, for extractions to write into."""
        return self._thread(lambda: (self.directory / media_id).mkdir(parents=True,
                                                                      exist_ok=True))

    async def read(self, entry: Entry) -> str | None:
        """``entry``'s text, or None when it is not (or no longer) there."""
        if not self.has(entry):
            return None
        path = self.path(entry)
        try:
            return await self._thread(lambda: _read_and_touch(path))
        except OSError:
            self._drop((entry.media_id, entry.name))
            return None

    async def commit(self, entries: Sequence[Entry]) -> None:
        """Move the finished ``part`` files of ``entries`` into place; older files of the
        same sources go, then the least recently used ones while over ``max_bytes``."""
        stale = [key for key in self._files
                 if any(key[0] == e.media_id and key[1].startswith(e.source + "-")
                        and key[1] != e.name for e in entries)]
        moves = [(self.part(e), self.path(e)) for e in entries]
        sizes = await self._thread(lambda: _move_into_place(moves, [self._file(k) for k in stale]))
        for key in stale:
            self._drop(key)
        for entry, size in zip(entries, sizes, strict=True):
            key = (entry.media_id, entry.name)
            self._drop(key)
            self._files[key] = size
            self.bytes += size
        await self._evict(keep={(e.media_id, e.name) for e in entries})

    def discard(self, entries: Sequence[Entry]) -> Deferred[None]:
        """Remove the ``part`` files of ``entries`` (an extraction that failed)."""
        parts = [self.part(e) for e in entries]
        return self._thread(lambda: _remove(parts))

    async def forget(self, media_id: str) -> None:
        """Remove every file of ``media_id``."""
        for key in [k for k in self._files if k[0] == media_id]:
            self._drop(key)
        directory = self.directory / media_id
        await self._thread(lambda: shutil.rmtree(directory, ignore_errors=True))

    def _file(self, key: tuple[str, str]) -> Path:
        return self.directory / key[0] / key[1]

    def _drop(self, key: tuple[str, str]) -> None:
        self.bytes -= self._files.pop(key, 0)

    async def _evict(self, *, keep: set[tuple[str, str]]) -> None:
        gone = []
        for key in list(self._files):
            if self.bytes <= self.max_bytes:
                break
            if key not in keep:
                self._drop(key)
                gone.append(self._file(key))
        if gone:
            _log.info("subtitle cache: {count} file(s) evicted, {bytes} bytes kept",
                      count=len(gone), bytes=self.bytes)
            await self._thread(lambda: _remove(gone))


def _existing(directory: Path) -> list[tuple[str, str, int]]:
    """``(media_id, name, size)`` of the finished files, least recently changed first;
    unfinished ones are deleted (blocking)."""
    found = []
    directory.mkdir(parents=True, exist_ok=True)
    for media in os.scandir(directory):
        if not media.is_dir(follow_symlinks=False):
            continue
        for entry in os.scandir(media.path):
            if entry.name.endswith(_PART):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            elif entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                st = entry.stat()
                found.append((st.st_mtime_ns, media.name, entry.name, st.st_size))
    return [(media, name, size) for _, media, name, size in sorted(found)]


def _move_into_place(moves: Sequence[tuple[Path, Path]], stale: Sequence[Path]) -> list[int]:
    """Rename each part over its final name and delete ``stale``; the sizes moved
    (blocking)."""
    sizes = []
    for part, final in moves:
        os.replace(part, final)
        sizes.append(final.stat().st_size)
    _remove(stale)
    return sizes


def _read_and_touch(path: Path) -> str:
    """The file's text; its mtime set to now, so the next start knows it was used (blocking)."""
    text = path.read_text("utf-8", errors="replace")
    with contextlib.suppress(OSError):
        os.utime(path)
    return text


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
