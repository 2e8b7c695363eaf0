"""The organised library: every media record with what it is (``naming``), searchable by
title words and sortable by title, date added and year.

It is derived from the library's index and rebuilt only when a scan has replaced it, the
names of new files parsed in a worker thread (``refreshed``, which routes await: 10,000 of
them took a quarter of a second of the reactor); it holds no state worth persisting.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

import attrs
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from revenge.library.naming import Naming, classify
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord

SORTS = ("title", "added", "year")
_log = Logger()
_ARTICLE = re.compile(r"^(?:the|a|an|le|la|les|der|die|das|el|il)\s+", re.IGNORECASE)


def fold(text: str) -> str:
    """``Amélie`` → ``amelie``: what searching and sorting compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The searchable words of ``text``."""
    return re.findall(r"\w+", fold(text))


def group_id(*names: str | None) -> str:
    """A stable, URL-safe id for a series or an album, from its folded names."""
    key = "\0".join(fold(n or "") for n in names)
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


@attrs.frozen
class Entry:
    """One media record of the organised library."""

    record: MediaRecord
    naming: Naming
    words: frozenset[str]

    @property
    def title(self) -> str:
        return self.naming.title

    @property
    def sort_title(self) -> str:
        """The title without its leading article (``The Matrix`` files under M)."""
        return fold(_ARTICLE.sub("", self.naming.series or self.naming.title))

    @property
    def added(self) -> int:
        """When the file came (its modification time, in nanoseconds)."""
        return self.record.mtime_ns

    @classmethod
    def of(cls, record: MediaRecord) -> Entry:
        probe = record.probe
        tags = dict(probe.tags)
        if probe.title and "title" not in tags:
            tags["title"] = probe.title
        naming = classify(record.relative_path, has_video=probe.video is not None, tags=tags)
        searchable = " ".join(n for n in (naming.title, naming.series, naming.artist,
                                          naming.album) if n)
        return cls(record, naming, frozenset(words(searchable)))


def matches(entry: Entry, query: Sequence[str]) -> bool:
    """Whether every query word begins a word of the entry's titles."""
    return all(any(w.startswith(q) for w in entry.words) for q in query)


def ordered(entries: Iterable[Entry], sort: str, *, descending: bool = False) -> list[Entry]:
    """``entries`` by ``sort`` (one of ``SORTS``), ties by title; without a year, last."""
    by_title = sorted(entries, key=lambda e: (e.sort_title, e.naming.season or 0,
                                              e.naming.episode or 0, e.record.id))
    if sort == "title":
        return by_title[::-1] if descending else by_title

    def value(entry: Entry) -> int | None:
        return entry.added if sort == "added" else entry.naming.year

    known = [e for e in by_title if value(e) is not None]
    unknown = [e for e in by_title if value(e) is None]
    return sorted(known, key=lambda e: value(e) or 0, reverse=descending) + unknown


_Key = tuple[str, int, str]


def _build(source: Sequence[MediaRecord], known: dict[_Key, Entry]) -> dict[_Key, Entry]:
    """The entries of ``source``: a record unchanged since ``known`` keeps its entry, so
    names are parsed once per file, not once per scan batch."""
    built = {}
    for record in source:
        key = (record.id, record.mtime_ns, record.title)
        built[key] = known.get(key) or Entry.of(record)
    return built


class Catalog:
    """The library's index, organised; ``entries`` follows every scan."""

    def __init__(self, library: LibraryService) -> None:
        self._library = library
        self._source: Sequence[MediaRecord] | None = None
        self._entries: tuple[Entry, ...] = ()
        self._by_id: dict[str, Entry] = {}
        self._known: dict[_Key, Entry] = {}
        self._building: tuple[Sequence[MediaRecord], Deferred[dict[_Key, Entry]]] | None = None

    async def refreshed(self) -> None:
        """Bring the entries up to the library's index, new names parsed off the reactor."""
        source = self._library.records()
        while source is not self._source:
            building = self._building
            if building is None or building[0] is not source:
                building = self._building = (source, self._library.in_thread(
                    functools.partial(_build, source, self._known)))
            known = await building[1]
            if self._building is building:  # no newer index is being built meanwhile
                self._install(source, known)
            source = self._library.records()

    def entries(self) -> tuple[Entry, ...]:
        """Every entry, by title. Built on the caller's thread only the first time; after a
        scan, the last entries until ``refreshed`` (started here, awaited by routes) has
        parsed the new names in a worker thread."""
        source = self._library.records()
        if source is not self._source:
            if self._source is None:
                self._install(source, _build(source, self._known))
            else:
                Deferred.fromCoroutine(self.refreshed()).addErrback(
                    lambda f: _log.failure("organising the library failed", f))
        return self._entries

    def _install(self, source: Sequence[MediaRecord], known: dict[_Key, Entry]) -> None:
        self._known = known
        self._entries = tuple(known.values())
        self._by_id = {e.record.id: e for e in self._entries}
        self._source = source

    def get(self, media_id: str) -> Entry | None:
        """The entry of a media id, or None."""
        self.entries()
        return self._by_id.get(media_id)

    def find(self, *, category: str | None = None, query: str = "", sort: str = "title",
             descending: bool = False) -> list[Entry]:
        """The entries of ``category`` (all when None) whose titles hold every word of
        ``query``, in ``sort`` order."""
        wanted = words(query)
        chosen = [e for e in self.entries()
                  if (category is None or e.naming.category == category)
                  and (not wanted or matches(e, wanted))]
        return ordered(chosen, sort, descending=descending)
