"""The library scan finds sidecar files beside videos (never as media), keeps them in the
record and the store, updates them on a rescan when only they changed (without probing the
video again), and tells listeners of media gone, which the subtitle service forgets."""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet.defer import Deferred

from revenge.library.scan import walk_roots
from revenge.library.service import LibraryService
from revenge.store.records import ProbeResult, Sidecar
from revenge.testing import InlineProbe, InlineThreadsClock, MemoryStore


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _sidecar(path: Path) -> Sidecar:
    st = os.stat(path)
    return Sidecar(str(path), st.st_size, st.st_mtime_ns)


def test_the_walk_finds_sidecars_beside_their_video(tmp_path: Path) -> None:
    film = _touch(tmp_path / "films" / "Film.mkv")
    subs = [_touch(tmp_path / "films" / n, b"1\n") for n in
            ("Film.srt", "Film.en.srt", "Film.fr.forced.ass", "Film.sdh.en.vtt", "Film.de.ssa")]
    _touch(tmp_path / "films" / "Other.en.srt")
    _touch(tmp_path / "films" / ".Film.hidden.srt")
    _touch(tmp_path / "films" / "sub" / "Film.en.srt")
    # Listed as media extensions or not, subtitle files are never media.
    found = list(walk_roots([str(tmp_path)], (".mkv", ".srt", ".vtt")))
    assert [f.path for f in found] == [str(film)]
    assert found[0].sidecars == tuple(_sidecar(p) for p in sorted(subs, key=lambda p: p.name))


def _library(root: Path, store: MemoryStore,
             probe: InlineProbe | None = None) -> LibraryService:
    library = LibraryService(
        store=store, probe=probe or InlineProbe({"Film.mkv": ProbeResult(duration=10.0)}),
        roots=[str(root)], extensions=(".mkv",), reactor=InlineThreadsClock(),
        scan_on_start=False)
    library.startService()
    return library


def _scan(library: LibraryService) -> None:
    done: list[object] = []
    library.scan().addBoth(done.append)
    assert len(done) == 1 and not isinstance(done[0], Exception), done


def test_a_rescan_updates_sidecars_without_probing_the_video_again(tmp_path: Path) -> None:
    store = MemoryStore()
    store.open()
    film = _touch(tmp_path / "Film.mkv")
    probe = InlineProbe({"Film.mkv": ProbeResult(duration=10.0)})
    library = _library(tmp_path, store, probe)
    _scan(library)
    (record,) = library.page(0, 10)[0]
    assert record.sidecars == ()
    english = _touch(tmp_path / "Film.en.srt", b"one")
    _scan(library)
    french = _touch(tmp_path / "Film.fr.srt", b"deux")
    _touch(english, b"changed")
    os.utime(english, ns=(10**18, 10**18))
    _scan(library)
    updated = library.get(record.id)
    assert updated is not None
    assert updated.sidecars == (_sidecar(english), _sidecar(french))
    assert library.last_scan is not None and library.last_scan.probed == 0
    assert probe.probed == [film]
    saved: list[object] = []
    store.all_media().addCallback(saved.append)
    assert saved == [[updated]]
    french.unlink()
    _scan(library)
    assert (library.get(record.id) or record).sidecars == (_sidecar(english),)


def test_media_gone_are_told_to_listeners(tmp_path: Path) -> None:
    store = MemoryStore()
    store.open()
    film = _touch(tmp_path / "Film.mkv")
    library = _library(tmp_path, store)
    _scan(library)
    (record,) = library.page(0, 10)[0]
    told: list[str] = []
    library.when_gone(told.append)
    library.when_gone(lambda _: Deferred())  # one that takes its time is not waited for
    library.when_gone(lambda _: 1 / 0)  # one that fails does not stop the others
    late: list[str] = []
    library.when_gone(late.append)
    _scan(library)
    assert told == []
    film.unlink()
    _scan(library)
    assert told == [record.id] and late == [record.id]
    assert library.get(record.id) is None
