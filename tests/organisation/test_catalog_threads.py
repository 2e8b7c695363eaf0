"""The catalogue parses the names of new files in a worker thread when a route awaits
``refreshed`` (10,000 of them once held the reactor a quarter of a second), and a file it
knows already is not parsed again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import pytest
import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from revenge.library.catalog import Catalog
from revenge.library.naming import classify
from revenge.store.records import MediaRecord
from revenge.testing.media import moved, video_record

T = TypeVar("T")


@attrs.define
class _Library:
    """The two things a catalogue asks of the library: its records, and a worker thread."""

    index: tuple[MediaRecord, ...]

    def records(self) -> tuple[MediaRecord, ...]:
        return self.index

    def in_thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThread(work)


@pytest.fixture
def parsed_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of each name parsed."""
    threads: list[str] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return classify(*args, **kwargs)

    monkeypatch.setattr("revenge.library.catalog.classify", recording)
    return threads


@pytest_twisted.ensureDeferred
async def test_new_names_are_parsed_off_the_reactor_once(parsed_on: list[str]) -> None:
    films = tuple(moved(video_record(f"m{n}"), f"Films/Film {n} ({1990 + n}).mkv")
                  for n in range(3))
    library = _Library(films[:2])
    catalogue = Catalog(library)  # type: ignore[arg-type]
    await catalogue.refreshed()
    assert [e.title for e in catalogue.entries()] == ["Film 0", "Film 1"]
    library.index = films
    await catalogue.refreshed()
    assert sorted(e.title for e in catalogue.entries()) == ["Film 0", "Film 1", "Film 2"]
    main = threading.main_thread().name
    assert len(parsed_on) == 3 and main not in parsed_on, parsed_on
