"""The library's groups: series → seasons → episodes, and artists' albums → tracks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs

from revenge.library.catalog import Entry, fold, group_id
from revenge.library.naming import EPISODE, MUSIC


@attrs.frozen
class Season:
    """A season's episodes, in order (season 0 holds the specials)."""

    number: int
    episodes: tuple[Entry, ...]


@attrs.frozen
class Series:
    """A series and its seasons, in order."""

    id: str
    title: str
    year: int | None
    seasons: tuple[Season, ...]

    @property
    def episodes(self) -> tuple[Entry, ...]:
        """Every episode in watching order: by season (specials last), then number."""
        regular = [s for s in self.seasons if s.number]
        specials = [s for s in self.seasons if not s.number]
        return tuple(e for s in (*regular, *specials) for e in s.episodes)


@attrs.frozen
class Album:
    """An album's tracks, by disc and number."""

    id: str
    title: str | None
    artist: str | None
    year: int | None
    tracks: tuple[Entry, ...]


def _episode_key(entry: Entry) -> tuple[int, int, str]:
    return (entry.naming.season or 0, entry.naming.episode or 0, entry.record.id)


_T = TypeVar("_T")


def _per_index(group: Callable[[Iterable[Entry]], list[_T]]
               ) -> Callable[[Iterable[Entry]], list[_T]]:
    """``group`` worked out once per catalogue index (the tuple ``Catalog.entries`` keeps
    until a scan changes it), not on the reactor for every request that lists it."""
    last: list[Any] = [None, []]

    @functools.wraps(group)
    def grouped(entries: Iterable[Entry]) -> list[_T]:
        if not isinstance(entries, tuple):  # only an index that cannot change is kept
            return group(entries)
        if entries is not last[0]:
            last[:] = [entries, group(entries)]
        return list(last[1])

    return grouped


@_per_index
def series_of(entries: Iterable[Entry]) -> list[Series]:
    """Every series among ``entries``, by title."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.naming.category == EPISODE:
            groups.setdefault(group_id(entry.naming.series), []).append(entry)
    found = []
    for series_id, episodes in groups.items():
        episodes.sort(key=_episode_key)
        seasons: dict[int, list[Entry]] = {}
        for episode in episodes:
            seasons.setdefault(episode.naming.season or 0, []).append(episode)
        first = episodes[0].naming
        year = min((e.naming.year for e in episodes if e.naming.year), default=None)
        found.append(Series(series_id, first.series or first.title, year, tuple(
            Season(number, tuple(s)) for number, s in sorted(seasons.items()))))
    return sorted(found, key=lambda s: (fold(s.title), s.id))


@_per_index
def albums_of(entries: Iterable[Entry]) -> list[Album]:
    """Every album among ``entries`` (loose tracks make an album of no name), by artist and
    album title."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.naming.category == MUSIC:
            groups.setdefault(group_id(entry.naming.artist, entry.naming.album),
                              []).append(entry)
    found = []
    for album_id, tracks in groups.items():
        tracks.sort(key=lambda e: (e.naming.disc or 0, e.naming.track or 0,
                                   e.sort_title, e.record.id))
        first = tracks[0].naming
        year = max((t.naming.year for t in tracks if t.naming.year), default=None)
        found.append(Album(album_id, first.album, first.artist, year, tuple(tracks)))
    # No artist or no title sorts after every name.
    return sorted(found, key=lambda a: (fold(a.artist or "\uffff"), fold(a.title or "\uffff"),
                                        a.id))
