"""How long a file really is: cut-short files, the ways the end is found, probe failures."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.interfaces import IReactorThreads
from zope.interface.verify import verifyObject

from revenge.library import extent
from revenge.library.matroska import cluster_last_timestamp, last_timestamp
from revenge.library.probe import IProbe, PyAVProbe, probe_file
from revenge.store.records import ProbeResult


@pytest.mark.parametrize("name", ["cut.mkv", "cut.mp4", "cut.mp3"])
def test_a_cut_short_file_reports_what_it_holds(probes: dict[str, ProbeResult],
                                               name: str) -> None:
    # A 10 s file cut at 60% of its bytes: the header still promises 10 s.
    probe = probes[name]
    assert probe.error is None and probe.truncated
    assert probe.duration is not None and 5.0 < probe.duration < 7.0
    for stream in probe.audio + ((probe.video,) if probe.video else ()):
        assert stream.duration is not None and stream.duration <= probe.duration + 0.05
    whole = probes["long" + Path(name).suffix]
    assert not whole.truncated
    assert whole.duration is not None and abs(whole.duration - 10.0) < 0.1


def test_healthy_files_are_not_truncated(probes: dict[str, ProbeResult]) -> None:
    for name, probe in probes.items():
        if not name.startswith("cut.") and probe.error is None:
            assert not probe.truncated, name


def test_matroska_end_is_read_from_the_tail_alone(zoo: dict[str, Path],
                                                  tmp_path: Path) -> None:
    whole = zoo["long.mkv"].read_bytes()
    end = last_timestamp(zoo["long.mkv"], len(whole))  # ms: the last audio block's start
    assert end is not None and 9_950 <= end <= 10_021
    # With the first half of the file destroyed, the tail still tells the end: nothing
    # before it is read.
    blind = tmp_path / "blind.mkv"
    blind.write_bytes(bytes(len(whole) // 2) + whole[len(whole) // 2:])
    assert last_timestamp(blind, len(whole)) == end
    cut = zoo["cut.mkv"]
    end = last_timestamp(cut, cut.stat().st_size)
    assert end is not None and 5_000 < end < 7_000


def test_matroska_cluster_parsing_rejects_lookalikes() -> None:
    # Timestamp 1000, a SimpleBlock of track 1 at +40, then a block cut short.
    cluster = (b"\x9b" + b"\xe7\x82\x03\xe8" + b"\xa3\x85\x81\x00\x28\x80\x00"
               + b"\xa3\x90\x81\x00\x50")
    assert cluster_last_timestamp(cluster, 0) == 1040
    # The ID's four bytes inside media, followed by no Timestamp: not a cluster.
    assert cluster_last_timestamp(b"\x85\xa3\x83\x81\x00\x28", 0) is None
    assert cluster_last_timestamp(b"", 0) is None


def test_seeking_search_finds_the_end_of_a_cut_file(zoo: dict[str, Path]) -> None:
    # The fallback for formats without an index or resynchronising byte seeks.
    for name, expected in (("cut.mkv", 6.0), ("cut.mp3", 6.0), ("long.mkv", None)):
        with av.open(str(zoo[name])) as container:
            streams = [s for s in container.streams if s.type in ("video", "audio")]
            ends = extent._search_ends(container, streams, 0.0, 10.0)
        if expected is None:  # the data is there up to the claimed end: nothing to say
            assert ends is None
        else:
            assert ends is not None and abs(max(ends.values()) - expected) < 0.6, name


def test_mpeg_ts_stream_durations_are_measured(probes: dict[str, ProbeResult]) -> None:
    # FFmpeg only estimates them in MPEG-TS (its AAC guess here is 1.9 s of 2).
    probe = probes["h264_main.ts"]
    audio = probe.audio[0]
    assert audio.duration is not None and abs(audio.duration - 2.0) < 0.05
    assert probe.duration is not None and abs(probe.duration - 2.02) < 0.02


def test_failures_are_results_naming_the_file_only(tmp_path: Path) -> None:
    bad = tmp_path / "deep" / "bad.mp4"
    bad.parent.mkdir()
    bad.write_bytes(b"not a video" * 100)
    for path in (bad, tmp_path / "missing.mkv", tmp_path):
        probe = probe_file(path)
        assert probe.error is not None, path
        assert str(tmp_path) not in probe.error, probe.error
        assert probe.streams == () and probe.duration is None
    error = probe_file(bad).error
    assert error is not None and "bad.mp4" in error


@pytest_twisted.ensureDeferred
async def test_the_probe_service_passes_the_segment_duration(zoo: dict[str, Path]) -> None:
    probe = PyAVProbe(reactor=IReactorThreads(reactor), threads=1, segment_duration=4.0)
    try:
        assert verifyObject(IProbe, probe)
        result = await probe.probe(zoo["aligned.mp4"])
        unaligned = await probe.probe(zoo["unaligned.mp4"])
    finally:
        probe.stop()
    assert result.video is not None and result.video.keyframes_aligned_to == 4.0
    assert unaligned.video is not None and unaligned.video.keyframes_aligned_to is None
