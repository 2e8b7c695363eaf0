"""Walking media roots, stable ids, what a rescan probes, and probing real files."""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet import reactor
from twisted.internet.interfaces import IReactorThreads
from zope.interface.verify import verifyObject

from revenge.library.probe import IProbe, PyAVProbe, probe_file
from revenge.library.scan import FoundFile, media_id, plan_scan, walk_roots
from revenge.store.records import MediaRecord, ProbeResult

EXTENSIONS = (".mp4", ".mkv")


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_walk_finds_media_only_and_skips_hidden_and_linked_dirs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _touch(root / "a.mp4")
    _touch(root / "sub" / "B.MKV")
    _touch(root / "notes.txt")
    _touch(root / ".hidden" / "c.mp4")
    _touch(root / ".d.mp4")
    outside = _touch(tmp_path / "outside" / "secret.mp4")
    os.symlink(outside.parent, root / "link")
    found = sorted(f.path for f in walk_roots([str(root)], EXTENSIONS))
    assert found == [str(root / "a.mp4"), str(root / "sub" / "B.MKV")]


def test_ids_are_stable_and_distinct() -> None:
    assert media_id("/m/a.mp4") == media_id("/m/a.mp4")
    assert media_id("/m/a.mp4") != media_id("/m/b.mp4")
    assert len(media_id("/m/a.mp4")) == 16 and media_id("/m/a.mp4").isalnum()


def test_plan_probes_new_and_changed_and_drops_gone() -> None:
    same = FoundFile("/m/same.mp4", "/m", 10, 1)
    changed = FoundFile("/m/changed.mp4", "/m", 10, 2)
    new = FoundFile("/m/new.mp4", "/m", 1, 1)

    def record(f: FoundFile, mtime: int) -> MediaRecord:
        return MediaRecord(f.id, f.path, f.root, f.size, mtime, "t", ProbeResult())

    gone = record(FoundFile("/m/gone.mp4", "/m", 1, 1), 1)
    index = {r.id: r for r in (record(same, 1), record(changed, 1), gone)}
    plan = plan_scan([same, changed, new, same], index)
    assert plan.to_probe == (changed, new)
    assert plan.unchanged == 1
    assert plan.gone == (gone.id,)


def test_probe_reads_real_media_and_reports_corrupt_files(clip_4s: Path, tmp_path: Path) -> None:
    assert verifyObject(IProbe, PyAVProbe(reactor=IReactorThreads(reactor), threads=1))
    good = probe_file(clip_4s)
    assert good.error is None
    assert good.duration is not None and abs(good.duration - 4.0) < 0.1
    kinds = [(s.kind, s.codec) for s in good.streams]
    assert kinds == [("video", "h264"), ("audio", "aac")]
    assert good.video is not None and (good.video.width, good.video.height) == (320, 240)
    bad = probe_file(_touch(tmp_path / "bad.mp4", b"not a video" * 100))
    assert bad.error is not None and str(tmp_path) not in bad.error
    assert bad.streams == () and bad.duration is None
