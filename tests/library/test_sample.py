"""The README's sample library is real, playable media."""

from __future__ import annotations

from pathlib import Path

from revenge.library.probe import probe_file
from revenge.sample import SAMPLES, make_sample


def test_sample_clips_are_made_and_probe(tmp_path: Path) -> None:
    made = make_sample(tmp_path / "sample", time_scale=0.05)
    assert [p.name for p in made] == [name for name, *_ in SAMPLES]
    for path, (_, seconds, size, _, _) in zip(made, SAMPLES, strict=True):
        probe = probe_file(path)
        assert probe.error is None and probe.video is not None
        assert f"{probe.video.width}x{probe.video.height}" == size
        assert probe.duration is not None and abs(probe.duration - seconds * 0.05) < 0.2
    assert make_sample(tmp_path / "sample", time_scale=0.05) == made  # kept, not redone
