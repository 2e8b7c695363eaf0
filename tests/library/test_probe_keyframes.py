"""Whether keyframes fall on the segment boundaries (and on the short first segments'), and
the longest gap between them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from revenge.library import keyframes
from revenge.library.probe import probe_file
from revenge.store.records import ProbeResult


@pytest.mark.parametrize("name", ["aligned.mp4", "aligned.mkv", "aligned.ts"])
def test_forced_keyframes_every_two_seconds_align_to_six(probes: dict[str, ProbeResult],
                                                         name: str) -> None:
    video = probes[name].video
    assert video is not None
    assert video.keyframes_aligned_to == 6.0
    assert video.keyframe_interval == 2.0
    assert video.keyframes_bootstrap == 2.0  # the probe's default bootstrap duration


def test_a_long_gop_with_a_scene_cut_does_not_align(probes: dict[str, ProbeResult]) -> None:
    video = probes["unaligned.mp4"].video
    assert video is not None
    assert video.keyframes_aligned_to is None and video.keyframes_bootstrap is None
    # Keyframes at 0 and at the cut (3.52 s), none after: 9.52 s to the end.
    assert video.keyframe_interval is not None and 9.4 < video.keyframe_interval < 9.6


@pytest.mark.parametrize(("segment", "aligned"), [(4.0, 4.0), (2.0, 2.0), (5.0, None),
                                                  (3.0, None)])
def test_other_segment_durations(zoo: dict[str, Path], segment: float,
                                 aligned: float | None) -> None:
    for name in ("aligned.mp4", "aligned.ts"):
        video = probe_file(zoo[name], segment_duration=segment).video
        assert video is not None and video.keyframes_aligned_to == aligned, name


def test_no_segment_duration_checks_nothing(zoo: dict[str, Path]) -> None:
    video = probe_file(zoo["aligned.mp4"], segment_duration=None).video
    assert video is not None and video.keyframes_aligned_to is None
    assert video.keyframe_interval == 2.0


@pytest.mark.parametrize(("name", "aligned", "gap"), [
    ("aligned.ts", 6.0, 2.0), ("aligned.mkv", 6.0, 2.0), ("unaligned.mp4", None, None)])
def test_large_files_are_checked_by_seeking(zoo: dict[str, Path], name: str,
                                            aligned: float | None, gap: float | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # Files too large to demux whole: boundaries are checked by seeking to each.
    monkeypatch.setattr(keyframes, "SCAN_BYTES", 0)
    with av.open(str(zoo[name])) as container:
        video = container.streams.video[0]
        start = (container.start_time or 0) / 1_000_000
        found = keyframes.keyframes(container, video, start=start, duration=13.0,
                                    segment=6.0, bootstrap=2.0, frame_rate=25.0,
                                    size=10**10)
    assert found.aligned_to == aligned
    assert found.bootstrap == (2.0 if aligned else None)
    if gap is not None:
        assert found.interval == gap


def test_only_boundaries_within_half_a_frame_before_or_a_frame_after_count() -> None:
    window = (-0.02, 0.04)
    assert keyframes._met([0.0, 5.99, 12.0], 6.0, window)
    assert keyframes._met([6.039], 6.0, window)
    assert not keyframes._met([5.97, 6.05], 6.0, window)
    assert keyframes._spread(list(range(10)), 4) == [0, 3, 6, 9]


def test_an_edit_list_shifts_the_keyframes_off_the_boundaries(
    zoo: dict[str, Path], tmp_path: Path
) -> None:
    # Cut 0.3 s into a file aligned to 2 s: the edit list shows the keyframes at -0.3,
    # 1.7, 3.7, 5.7... — none on a 6 s boundary, though their decode times look regular.
    from revenge.ffmpeg import ffmpeg_binary

    cut = tmp_path / "cut.mp4"
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-ss", "0.3",
                    "-i", str(zoo["aligned.mp4"]), "-c", "copy", str(cut)], check=True)
    video = probe_file(cut).video
    assert video is not None and video.keyframes_aligned_to is None


def test_keyframes_every_six_seconds_align_without_a_bootstrap(zoo: dict[str, Path],
                                                               tmp_path: Path) -> None:
    from revenge.ffmpeg import ffmpeg_binary

    sparse = tmp_path / "sparse.mp4"
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error",
                    "-i", str(zoo["aligned.mp4"]), "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "1000", "-force_key_frames", "expr:gte(t,n_forced*6)",
                    str(sparse)], check=True)
    video = probe_file(sparse).video
    assert video is not None and video.keyframes_aligned_to == 6.0
    assert video.keyframes_bootstrap is None  # no keyframes at 2 s and 4 s


@pytest.mark.parametrize(("bootstrap", "found"), [(2.0, 2.0), (3.0, None), (0.0, None),
                                                  (4.0, None)])
def test_a_bootstrap_is_checked_on_its_own_cuts(zoo: dict[str, Path], bootstrap: float,
                                                found: float | None) -> None:
    # Keyframes every 2 s: none at 3 s; 0 means none asked; 4 s does not divide 6 s.
    video = probe_file(zoo["aligned.mp4"], segment_duration=6.0,
                       bootstrap_duration=bootstrap).video
    assert video is not None and video.keyframes_aligned_to == 6.0
    assert video.keyframes_bootstrap == found
