"""The canvas a PGS track's captions are placed on, read by the probe from its first
composition segment."""

from __future__ import annotations

from pathlib import Path

from revenge.library.pgs import PGS, composition_size
from revenge.library.probe import probe_file
from tests import pgs
from tests.subtitled import Film, blu_ray_rip


def _canvas(path: Path) -> tuple[int | None, int | None]:
    (stream,) = [s for s in probe_file(path).streams if s.codec == PGS]
    return stream.width, stream.height


def test_the_probe_reads_the_canvas_of_pgs_tracks(subtitled_film: Film, tmp_path: Path) -> None:
    assert _canvas(subtitled_film.mkv) == (640, 360)
    assert _canvas(blu_ray_rip(subtitled_film, tmp_path / "rip.mkv")) == (1920, 1080)


def test_composition_sizes_come_from_the_first_composition_segment() -> None:
    box = pgs.Caption(start=1.0, end=2.0, x=10, y=10, bitmap=pgs.framed_box(8, 4, 1))
    data = pgs.sup([box], width=1280, height=720)
    # A .sup file frames each segment with "PG" and two timestamps (10 bytes); Matroska's
    # and MPEG-TS's packets hold the segments alone.
    first = data[10:]
    assert composition_size(first) == (1280, 720)
    assert composition_size(b"\x17\x00\x02ab" + first) == (1280, 720)  # after a window
    assert composition_size(b"") is None and composition_size(b"\x16\x00") is None
    assert composition_size(b"\x16\x00\x04\x00\x00\x00\x00") is None  # 0x0: no size
