"""What a user is watching: "continue watching" (started, not finished, most recent first)
and "next episode" (the one after the last finished, for each series they watch).

A media counts as started past 5 % of it (or a minute), and finished past 90 %, as Jellyfin
counts them, so a few seconds of a film or its end credits do not keep it on the shelf.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from revenge.library.catalog import Catalog, Entry, group_id
from revenge.library.naming import EPISODE
from revenge.library.shelves import Series
from revenge.store.records import Progress

STARTED_FRACTION, STARTED_SECONDS = 0.05, 60.0
FINISHED_FRACTION = 0.9


@attrs.frozen
class Watching:
    """An entry and where its user stands in it."""

    entry: Entry
    position: float


def finished(entry: Entry, position: float) -> bool:
    """Whether ``position`` is past the end credits."""
    duration = entry.record.probe.duration
    return duration is not None and duration > 0 and position >= FINISHED_FRACTION * duration


def started(entry: Entry, position: float) -> bool:
    """Whether ``position`` is more than a look at the opening."""
    duration = entry.record.probe.duration or 0.0
    return position >= min(STARTED_FRACTION * duration, STARTED_SECONDS) and position > 0


def continue_watching(catalog: Catalog, history: Sequence[Progress]) -> list[Watching]:
    """The media started and not finished, most recently watched first."""
    found = []
    for progress in history:
        entry = catalog.get(progress.media_id)
        if (entry is not None and started(entry, progress.position)
                and not finished(entry, progress.position)):
            found.append(Watching(entry, progress.position))
    return found


def next_episodes(series: Sequence[Series], history: Sequence[Progress],
                  catalog: Catalog) -> list[Entry]:
    """For each series watched, most recent first: the episode after the last one watched,
    once that one is finished (one in progress is for "continue watching")."""
    by_id = {s.id: s for s in series}
    seen: set[str] = set()
    found = []
    for progress in history:
        entry = catalog.get(progress.media_id)
        if entry is None or entry.naming.category != EPISODE:
            continue
        series_id = group_id(entry.naming.series)
        if series_id in seen or series_id not in by_id:
            continue
        seen.add(series_id)
        if not finished(entry, progress.position):
            continue
        episodes = by_id[series_id].episodes
        at = episodes.index(entry)
        if at + 1 < len(episodes):
            found.append(episodes[at + 1])
    return found
