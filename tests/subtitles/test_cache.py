"""The on-disk WebVTT cache: entries committed whole, bounded in bytes with the least
recently used going first, stale versions replaced, a media forgotten, the index rebuilt
at start. File work runs inline here (``InlineThreadsClock``)."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from twisted.internet.defer import Deferred

from revenge.subtitles.cache import Entry, SubtitleCache, sidecar_source
from revenge.testing import InlineThreadsClock

T = TypeVar("T")


def now(work: Coroutine[Any, Any, T]) -> T:
    """The result of ``work``, which runs to its end at once (inline threads)."""
    results: list[T] = []
    Deferred.fromCoroutine(work).addCallback(results.append)
    assert len(results) == 1
    return results[0]


def _cache(directory: Path, max_bytes: int = 1000) -> SubtitleCache:
    cache = SubtitleCache(directory, max_bytes=max_bytes, reactor=InlineThreadsClock())
    now(cache.open())
    return cache


def _put(cache: SubtitleCache, entry: Entry, size: int) -> None:
    """What an extraction does: write the part, then commit it."""
    now(_async(cache.prepare(entry.media_id)))
    cache.part(entry).write_text("W" * size)
    now(cache.commit([entry]))


async def _async(d: Deferred[None]) -> None:
    await d


def test_a_committed_entry_is_read_back_and_counted(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    entry = Entry("m1", "s3", 100, 7)
    assert not cache.has(entry) and now(cache.read(entry)) is None
    _put(cache, entry, 300)
    assert cache.has(entry) and now(cache.read(entry)) == "W" * 300
    assert cache.bytes == 300
    assert [p.name for p in (tmp_path / "m1").iterdir()] == ["s3-100-7.vtt"]


def test_past_the_bound_the_least_recently_used_go(tmp_path: Path) -> None:
    cache = _cache(tmp_path, max_bytes=1000)
    a, b, c = (Entry(m, "s2", 1, 1) for m in ("a", "b", "c"))
    _put(cache, a, 400)
    _put(cache, b, 400)
    assert cache.has(a)  # used: b is now the least recent
    _put(cache, c, 400)
    assert (cache.has(a), cache.has(b), cache.has(c)) == (True, False, True)
    assert cache.bytes == 800
    assert not cache.path(b).exists() and cache.path(a).exists()
    # An entry bigger than the bound is kept (alone) rather than lost at once.
    big = Entry("d", "s2", 1, 1)
    _put(cache, big, 1500)
    assert cache.has(big) and not cache.has(a) and not cache.has(c)
    assert cache.bytes == 1500


def test_a_new_version_of_a_source_replaces_the_old(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    old, other = Entry("m", "s3", 10, 1), Entry("m", "s4", 10, 1)
    _put(cache, old, 100)
    _put(cache, other, 100)
    new = Entry("m", "s3", 12, 2)
    _put(cache, new, 50)
    assert not cache.has(old) and cache.has(new) and cache.has(other)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["s3-12-2.vtt", "s4-10-1.vtt"]
    assert cache.bytes == 150


def test_forget_removes_a_media_and_nothing_else(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    gone, kept = Entry("gone", "s2", 1, 1), Entry("kept", sidecar_source("/a.en.srt"), 1, 1)
    _put(cache, gone, 100)
    _put(cache, kept, 200)
    now(cache.forget("gone"))
    assert not (tmp_path / "gone").exists() and not cache.has(gone)
    assert cache.has(kept) and cache.bytes == 200


def test_a_restart_finds_the_files_and_drops_unfinished_ones(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    older, newer = Entry("m", "s2", 1, 1), Entry("n", "s2", 1, 1)
    _put(cache, older, 300)
    _put(cache, newer, 300)
    unfinished = Entry("m", "s5", 1, 1)
    cache.part(unfinished).write_text("half")
    again = _cache(tmp_path, max_bytes=400)  # smaller now: the older file must go
    assert again.bytes == 300
    assert again.has(newer) and not again.has(older)
    assert not cache.part(unfinished).exists() and not cache.path(older).exists()


def test_a_failed_extraction_leaves_nothing(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    entry = Entry("m", "s2", 1, 1)
    now(_async(cache.prepare("m")))
    cache.part(entry).write_text("WEBVTT\n\n00:01.000")
    now(_async(cache.discard([entry])))
    assert list((tmp_path / "m").iterdir()) == [] and cache.bytes == 0
