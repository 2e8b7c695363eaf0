"""The subtitled test film (``tests.subtitled``) holds what its ``Film`` says: the tracks
with their languages and flags, each text cue at its time, each picture caption on screen
from its start to its end as ffmpeg decodes it (PGS and DVB)."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.store.records import ProbeResult
from tests.frames import grey_frames, scaled
from tests.subtitled import CAPTION_BOX, CAPTIONS, CUES, Cue, Film, Track

_TIMING = re.compile(r"(?:(\d+):)?(\d\d):(\d\d\.\d{3}) --> (?:(\d+):)?(\d\d):(\d\d\.\d{3})")
RATE = 10  # pictures a second when looking for captions


def _seconds(hours: str | None, minutes: str, seconds: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def vtt_cues(text: str) -> list[Cue]:
    """The cues of a WebVTT document (text unescaped), enough for these checks."""
    cues = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:
            continue
        m = _TIMING.match(lines[timing])
        assert m is not None
        cues.append(Cue(_seconds(*m.groups()[:3]), _seconds(*m.groups()[3:]),
                        html.unescape("\n".join(lines[timing + 1:]))))
    return cues


def as_webvtt(path: Path, stream: int | None) -> str:
    """One subtitle track of ``path`` (a stream, or the file when None) as ffmpeg's WebVTT."""
    done = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path),
         *(["-map", f"0:{stream}"] if stream is not None else []), "-c:s", "webvtt",
         "-f", "webvtt", "-"], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def probes(subtitled_film: Film) -> dict[str, ProbeResult]:
    """Revenge's probe of each container of the film."""
    return {name: probe_file(getattr(subtitled_film, name), segment_duration=6.0)
            for name in ("mkv", "mp4", "dvb")}


def _described(probe: ProbeResult, tracks: tuple[Track, ...]) -> None:
    streams = {s.index: s for s in probe.streams if s.kind == "subtitle"}
    assert sorted(streams) == [t.stream_index for t in tracks if t.sidecar is None]
    for track in tracks:
        if track.stream_index is None:
            continue
        s = streams[track.stream_index]
        assert (s.codec, s.text, s.language, s.title, s.default, s.forced) == (
            track.codec, track.text, track.language, track.title, track.default,
            track.forced), track


def test_the_mkv_holds_the_audio_and_subtitle_tracks_film_says(
    subtitled_film: Film, probes: dict[str, ProbeResult]
) -> None:
    probe = probes["mkv"]
    video = probe.video
    assert video is not None and (video.codec, video.width, video.height) == ("h264", 640, 360)
    assert 74.9 <= (probe.duration or 0) <= 75.1 and probe.start == 0.0
    assert [(a.index, a.codec, a.language, a.channels, a.title, a.default) for a in probe.audio] \
        == [(a.stream_index, a.codec, a.language, a.channels, a.title, a.default)
            for a in subtitled_film.audio]
    _described(probe, subtitled_film.subtitles)
    assert [t.codec for t in subtitled_film.subtitles[:3]] == [
        "subrip", "ass", "hdmv_pgs_subtitle"]


def test_the_mp4_and_the_mpeg_ts_hold_their_subtitle_tracks(
    subtitled_film: Film, probes: dict[str, ProbeResult]
) -> None:
    _described(probes["mp4"], subtitled_film.mp4_subtitles)
    _described(probes["dvb"], subtitled_film.dvb_subtitles)
    assert probes["dvb"].container == "mpegts" and probes["dvb"].start == 1.4
    assert [(a.codec, a.language) for a in probes["dvb"].audio] == [("mp2", "fr")]
    assert [(a.codec, a.language) for a in probes["mp4"].audio] == [("aac", "fr")]


def test_the_sidecars_lie_beside_the_mkv_sorted_by_name(subtitled_film: Film) -> None:
    sidecars = [t.sidecar for t in subtitled_film.subtitles if t.sidecar is not None]
    assert [p.name for p in sidecars] == [
        "Film.de.ass", "Film.en.srt", "Film.fr.forced.srt", "Film.sdh.en.vtt"]
    assert all(p.parent == subtitled_film.mkv.parent and p.is_file() for p in sidecars)
    flags = [(t.language, t.forced, t.hearing_impaired) for t in subtitled_film.subtitles[3:]]
    assert flags == [("de", False, False), ("en", False, False), ("fr", True, False),
                     ("en", False, True)]


_TEXT_TRACKS = [("subtitles", 0), ("subtitles", 1), ("subtitles", 3), ("subtitles", 4),
                ("subtitles", 5), ("subtitles", 6), ("mp4_subtitles", 0), ("mp4_subtitles", 1)]


@pytest.mark.parametrize(("group", "position"), _TEXT_TRACKS)
def test_each_text_cue_is_at_its_time_with_its_text(
    subtitled_film: Film, group: str, position: int
) -> None:
    track: Track = getattr(subtitled_film, group)[position]
    path = track.sidecar or (subtitled_film.mp4 if group == "mp4_subtitles"
                             else subtitled_film.mkv)
    cues = vtt_cues(as_webvtt(path, track.stream_index))
    assert len(cues) == len(track.cues) == CUES
    for got, expected in zip(cues, track.cues, strict=True):
        assert abs(got.start - expected.start) < 0.01 and abs(got.end - expected.end) < 0.01
        assert got.text == expected.text
    # Cues fall across segment boundaries (6 s) too.
    assert any(int(c.start // 6) != int(c.end // 6) for c in track.cues)


def _shown(film: Film, path: Path, stream: int) -> list[bool]:
    """Whether a caption is on screen, RATE times a second, drawn over black by ffmpeg."""
    # The picture is decoded too, to nowhere: ffmpeg takes an input's start from the
    # streams it reads, and from the subtitles alone it would be the first caption's.
    graph = (f"[0:v:0]nullsink;color=black:size={film.width}x{film.height}:rate={RATE}:"
             f"duration={film.duration}[black];[black][0:{stream}]overlay=eof_action=pass")
    factor = 0.1
    pictures = grey_frames(["-i", str(path)], graph, width=round(film.width * factor),
                           height=round(film.height * factor))
    box = scaled(CAPTION_BOX, factor)
    return [p.mean(box) > 60 for p in pictures]


@pytest.mark.parametrize("container", ["mkv", "dvb"])
def test_each_picture_caption_is_on_screen_from_its_start_to_its_end(
    subtitled_film: Film, container: str
) -> None:
    track = (subtitled_film.subtitles[2] if container == "mkv"
             else subtitled_film.dvb_subtitles[0])
    assert track.stream_index is not None and not track.text
    shown = _shown(subtitled_film, getattr(subtitled_film, container), track.stream_index)
    assert len(shown) == RATE * subtitled_film.duration
    edges = [t for c in track.cues for t in (c.start, c.end)]
    for i, on in enumerate(shown):
        t = i / RATE
        if min(abs(t - e) for e in edges) > 1 / RATE:
            assert on == any(c.start <= t < c.end for c in track.cues), t
    starts = [i for i in range(1, len(shown)) if shown[i] and not shown[i - 1]]
    assert len(starts) == len(track.cues) == CAPTIONS
