"""Every text track of the subtitled film, embedded (SRT, ASS, mov_text) or a sidecar (SRT,
ASS, WebVTT), extracted by the real ffmpeg: each cue at its source time (±100 ms) with its
text, numbered and described as the film says; picture tracks refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
import pytest_twisted

from revenge.blackbeard.timeline import Timeline
from revenge.ffmpeg import ffmpeg_binary
from revenge.store.records import MediaRecord
from revenge.subtitles.service import NotText, SubtitleService
from revenge.subtitles.tracks import SubtitleTrack, subtitle_tracks
from revenge.subtitles.webvtt import Cue, escape_payload, parse_webvtt, segment_webvtt
from tests.subtitled import Film, Track
from tests.subtitles.support import REACTOR, CountingProcesses, scanned, srt_clip

TOLERANCE = 0.1

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def records(subtitled_film: Film) -> dict[str, MediaRecord]:
    """The film's files as a scan records them."""
    return scanned(subtitled_film.mkv.parent)


@pytest_twisted.async_yield_fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[SubtitleService, CountingProcesses]]:
    """A running subtitle service over a fresh cache, and the processes it spawns."""
    processes = CountingProcesses()
    subtitles = SubtitleService(directory=tmp_path / "subtitles", ffmpeg=ffmpeg_binary(),
                                reactor=processes, threads=REACTOR, clock=REACTOR)
    subtitles.startService()
    yield subtitles, processes
    await subtitles.stopService()


def _described(tracks: Sequence[SubtitleTrack], expected: Sequence[Track]) -> None:
    assert [(t.number, t.codec, t.text, t.language, t.title, t.default, t.forced,
             t.hearing_impaired, t.stream_index, t.sidecar) for t in tracks] == [
        (n, e.codec, e.text, e.language, e.title, e.default, e.forced, e.hearing_impaired,
         e.stream_index, str(e.sidecar) if e.sidecar else None)
        for n, e in enumerate(expected)]


def _same_cues(got: Sequence[Cue], expected: Track) -> None:
    assert [c.text for c in got] == [escape_payload(c.text) for c in expected.cues], \
        expected.codec
    for cue, source in zip(got, expected.cues, strict=True):
        assert abs(cue.start - source.start) <= TOLERANCE, (cue, source)
        assert abs(cue.end - source.end) <= TOLERANCE, (cue, source)


def test_the_mkv_tracks_are_numbered_and_described_as_the_film_says(
        records: dict[str, MediaRecord], subtitled_film: Film) -> None:
    _described(subtitle_tracks(records["Film.mkv"]), subtitled_film.subtitles)
    _described(subtitle_tracks(records["Film mov_text.mp4"]), subtitled_film.mp4_subtitles)
    _described(subtitle_tracks(records["Film DVB.ts"]), subtitled_film.dvb_subtitles)


@pytest_twisted.ensureDeferred
async def test_every_text_track_of_the_mkv_and_its_sidecars_holds_every_cue(
        records: dict[str, MediaRecord], subtitled_film: Film,
        service: tuple[SubtitleService, CountingProcesses]) -> None:
    subtitles, processes = service
    record = records["Film.mkv"]
    subtitles.warm(record)
    for track, expected in zip(subtitle_tracks(record), subtitled_film.subtitles, strict=True):
        if not track.text:
            with pytest.raises(NotText, match="picture subtitle"):
                await subtitles.cues(record, track)
            continue
        _same_cues(await subtitles.cues(record, track), expected)
    # One read of the film for its SRT and ASS tracks, one run per SubRip or ASS sidecar;
    # the WebVTT sidecar is read as it is.
    assert processes.inputs() == [
        str(subtitled_film.mkv.parent / n) for n in ("Film.de.ass", "Film.en.srt",
                                                     "Film.fr.forced.srt", "Film.mkv")]


@pytest_twisted.ensureDeferred
async def test_mov_text_tracks_of_the_mp4_hold_every_cue(
        records: dict[str, MediaRecord], subtitled_film: Film,
        service: tuple[SubtitleService, CountingProcesses]) -> None:
    subtitles, processes = service
    record = records["Film mov_text.mp4"]
    for track, expected in zip(subtitle_tracks(record), subtitled_film.mp4_subtitles,
                               strict=True):
        _same_cues(await subtitles.cues(record, track), expected)
    assert len(processes.spawned) == 1


@pytest_twisted.ensureDeferred
async def test_the_dvb_track_is_a_picture_subtitle(
        records: dict[str, MediaRecord],
        service: tuple[SubtitleService, CountingProcesses]) -> None:
    subtitles, processes = service
    record = records["Film DVB.ts"]
    (track,) = subtitle_tracks(record)
    subtitles.warm(record)
    with pytest.raises(NotText):
        await subtitles.cues(record, track)
    assert processes.spawned == []


@pytest_twisted.ensureDeferred
async def test_segments_of_the_timeline_hold_each_cue_where_it_is_shown(
        records: dict[str, MediaRecord], subtitled_film: Film,
        service: tuple[SubtitleService, CountingProcesses]) -> None:
    subtitles, _ = service
    record = records["Film.mkv"]
    track = subtitle_tracks(record)[0]
    cues = await subtitles.cues(record, track)
    timeline = Timeline(subtitled_film.duration, 6.0)
    for index in range(timeline.count):
        start, end = timeline.start(index), timeline.end(index)
        held = parse_webvtt(segment_webvtt(cues, start, end, mpegts=126000))
        shown = [c for c in subtitled_film.subtitles[0].cues if c.start < end and c.end > start]
        assert [c.text for c in held] == [escape_payload(c.text) for c in shown], index


@pytest_twisted.ensureDeferred
async def test_cue_times_count_from_the_container_start(
        tmp_path: Path, service: tuple[SubtitleService, CountingProcesses]) -> None:
    # Every stream starts 10 s into the file's clock: the timeline's 0 is there.
    for name, codec in (("late.mkv", "srt"), ("late.mp4", "mov_text")):
        srt_clip(tmp_path / name, [(1.0, 2.0, "one"), (7.25, 8.0, "two")],
                 extra=("-c:s", codec, "-output_ts_offset", "10"))
    subtitles, _ = service
    for name, record in scanned(tmp_path).items():
        assert record.probe.start == 10.0, name
        (track,) = subtitle_tracks(record)
        assert await subtitles.cues(record, track) == (Cue(1.0, 2.0, "one"),
                                                       Cue(7.25, 8.0, "two")), name


@pytest_twisted.ensureDeferred
async def test_sidecars_in_windows_1252_and_webvtt_settings_come_through(
        tmp_path: Path, service: tuple[SubtitleService, CountingProcesses]) -> None:
    srt_clip(tmp_path / "x.mkv", [(1.0, 2.0, "embedded")])
    (tmp_path / "x.fr.srt").write_bytes(
        "1\r\n00:00:03,000 --> 00:00:04,000\r\nCafé crème, 5 € & <i>plus</i>\r\n\r\n"
        .encode("cp1252"))
    (tmp_path / "x.en.vtt").write_text(
        "WEBVTT\n\nNOTE kept out\n\n1\n00:05.000 --> 00:06.000 line:0 align:start\nTop\n",
        encoding="utf-8")
    subtitles, processes = service
    record = scanned(tmp_path)["x.mkv"]
    embedded, vtt, srt = subtitle_tracks(record)
    assert (vtt.language, vtt.codec, srt.language, srt.codec) == ("en", "webvtt", "fr", "subrip")
    assert await subtitles.cues(record, srt) == (
        Cue(3.0, 4.0, "Café crème, 5 € &amp; <i>plus</i>"),)
    assert await subtitles.cues(record, vtt) == (Cue(5.0, 6.0, "Top", "line:0 align:start"),)
    assert await subtitles.cues(record, embedded) == (Cue(1.0, 2.0, "embedded"),)
    assert "-sub_charenc" in processes.spawned[0] and processes.inputs() == [
        str(tmp_path / "x.fr.srt"), str(tmp_path / "x.mkv")]
