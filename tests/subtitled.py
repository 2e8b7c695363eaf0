"""The subtitled test film: several audio tracks, text and picture subtitles, and sidecars.

``make_film(directory)`` writes, in a few seconds of ffmpeg, a 75 s 640x360 film in three
containers, and returns a ``Film`` that says what each holds, cue by cue:

- ``Film.mkv``: H.264; audio eng AC-3 5.1 "English", fre AAC stereo (default), ger AAC mono;
  subtitles SRT eng "English" (default), ASS fre (styled: colour, size, position), PGS eng
  "English (PGS)" (forced); beside it the sidecars ``Film.de.ass``, ``Film.en.srt``,
  ``Film.fr.forced.srt`` and ``Film.sdh.en.vtt``.
- ``Film mov_text.mp4``: the same picture, the fre track, mov_text eng and fre.
- ``Film DVB.ts``: the same picture, fre MP2 stereo, the PGS captions as DVB subtitles (eng);
  its timeline starts at 1.4 s on the file's clock (MPEG-TS), times here are from there.

Cue ``k`` of a text track runs 3 s from ``0.5 + 7k`` plus the track's own small offset, so
cues fall everywhere, across 6 s segment boundaries too; its text names the track and ``k``
(``"en srt 3"``; cue 5 adds ``" & more"``, which WebVTT must escape: ffmpeg's encoder does
not). Picture captions (PGS, DVB) are magenta boxes framed in white (``CAPTION_BOX``), 3 s
from ``3 + 7k``. Times are timeline seconds (0 at the container's start, as Revenge's
transcodes count). In a test, ask for the session fixture ``subtitled_film``.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

from revenge.ffmpeg import ffmpeg_binary
from tests import pgs

DURATION = 75.0
WIDTH, HEIGHT = 640, 360
CUES = 11  # per text track
CAPTIONS = 10  # picture captions
CAPTION_BOX = (220, 270, 200, 60)  # x, y, width, height on the 640x360 picture
_QUIET = ("-hide_banner", "-loglevel", "error", "-nostdin", "-y")


@attrs.frozen
class Cue:
    """A caption on screen from ``start`` to ``end`` (timeline seconds)."""

    start: float
    end: float
    text: str  # as a viewer reads it ("" for a picture)


@attrs.frozen(kw_only=True)
class Track:
    """A subtitle track of the film, as Revenge should describe it, and its cues."""

    codec: str  # ffmpeg's codec name: subrip, ass, hdmv_pgs_subtitle, webvtt, ...
    text: bool
    language: str | None  # BCP 47, as Revenge normalises it
    cues: tuple[Cue, ...]
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    stream_index: int | None = None  # embedded: its stream index
    sidecar: Path | None = None  # a file beside the film


@attrs.frozen(kw_only=True)
class AudioTrack:
    """An audio track of the film (each a sine tone of its own ``frequency``)."""

    stream_index: int
    codec: str
    language: str
    channels: int
    frequency: int
    title: str | None = None
    default: bool = False


@attrs.frozen(kw_only=True)
class Film:
    """The film's files and what each holds."""

    mkv: Path
    mp4: Path
    dvb: Path
    audio: tuple[AudioTrack, ...]  # the mkv's
    # The mkv's subtitles in Revenge's track order: embedded by stream index, then sidecars
    # by file name; a track's ``number`` is its position here.
    subtitles: tuple[Track, ...]
    mp4_subtitles: tuple[Track, ...]
    dvb_subtitles: tuple[Track, ...]
    captions: tuple[pgs.Caption, ...]  # the picture captions of the PGS and DVB tracks
    duration: float = DURATION
    width: int = WIDTH
    height: int = HEIGHT


def text_cues(label: str, offset: float) -> tuple[Cue, ...]:
    """The cues of one text track: ``label`` and the cue's number, ``offset`` s later."""
    return tuple(
        Cue(round(0.5 + 7 * k + offset, 3), round(3.5 + 7 * k + offset, 3),
            f"{label} {k}" + (" & more" if k == 5 else ""))
        for k in range(CUES))


def captions() -> tuple[pgs.Caption, ...]:
    """The picture captions: the framed box, 3 s from 3 + 7k."""
    x, y, width, height = CAPTION_BOX
    box = pgs.framed_box(width, height, 6)
    return tuple(pgs.Caption(start=3.0 + 7 * k, end=6.0 + 7 * k, x=x, y=y, bitmap=box)
                 for k in range(CAPTIONS))


def picture_cues(shown: Sequence[pgs.Caption]) -> tuple[Cue, ...]:
    """Picture captions as cues without text."""
    return tuple(Cue(c.start, c.end, "") for c in shown)


def _clock(seconds: float, comma: bool = False) -> str:
    whole = int(seconds)
    text = f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}." \
        f"{round((seconds - whole) * 1000):03d}"
    return text.replace(".", ",") if comma else text


def srt(cues: Sequence[Cue]) -> str:
    """SubRip text of ``cues``."""
    return "".join(f"{i + 1}\n{_clock(c.start, True)} --> {_clock(c.end, True)}\n{c.text}\n\n"
                   for i, c in enumerate(cues))


def webvtt(cues: Sequence[Cue]) -> str:
    """WebVTT text of ``cues`` (``&`` escaped)."""
    return "WEBVTT\n\n" + "".join(
        f"{_clock(c.start)} --> {_clock(c.end)}\n{c.text.replace('&', '&amp;')}\n\n"
        for c in cues)


_ASS_HEAD = """[Script Info]
ScriptType: v4.00+
PlayResX: 640
PlayResY: 360

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,24,&H0000FFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,2,\
1,2,10,10,10,1
Style: Top,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,2,\
1,8,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def ass(cues: Sequence[Cue]) -> str:
    """ASS of ``cues``, styled (colours, sizes, a second style, positions) in ways that
    WebVTT has no words for, so the text a viewer reads stays the cue's."""
    lines = []
    for k, c in enumerate(cues):
        style, tags = ("Top", r"{\an8\fs28}") if k % 2 else ("Default", r"{\c&H00FF00&}")
        lines.append(f"Dialogue: 0,{_clock(c.start)[1:-1]},{_clock(c.end)[1:-1]},{style},,"
                     f"0,0,0,,{tags}{c.text}\n")
    return _ASS_HEAD + "".join(lines)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), *_QUIET, *args], check=True, timeout=300,
                   capture_output=True)


AUDIO = (AudioTrack(stream_index=1, codec="ac3", language="en", channels=6, frequency=330,
                    title="English"),
         AudioTrack(stream_index=2, codec="aac", language="fr", channels=2, frequency=440,
                    default=True),
         AudioTrack(stream_index=3, codec="aac", language="de", channels=1, frequency=550))
_LAYOUTS = {6: "5.1", 2: "stereo", 1: "mono"}
_ISO = {"en": "eng", "fr": "fre", "de": "ger"}


def _tone(track: AudioTrack) -> list[str]:
    """The input of ``track``'s sound."""
    return ["-f", "lavfi", "-i", f"sine=frequency={track.frequency}:sample_rate=48000:"
            f"duration={DURATION},aformat=channel_layouts={_LAYOUTS[track.channels]}"]


def _audio_outputs() -> list[str]:
    args = []
    for i, track in enumerate(AUDIO):
        args += [f"-c:a:{i}", track.codec, f"-metadata:s:a:{i}", f"language={_ISO[track.language]}",
                 f"-disposition:a:{i}", "default" if track.default else "0"]
        if track.title:
            args += [f"-metadata:s:a:{i}", f"title={track.title}"]
    return args


def _subtitle_outputs(tracks: Sequence[Track]) -> list[str]:
    args = []
    for i, track in enumerate(tracks):
        flags = "+".join(f for f, on in (("default", track.default), ("forced", track.forced))
                         if on) or "0"
        args += [f"-metadata:s:s:{i}", f"language={_ISO[track.language or 'en']}",
                 f"-disposition:s:{i}", flags]
        if track.title:
            args += [f"-metadata:s:s:{i}", f"title={track.title}"]
    return args


def embedded_tracks() -> tuple[Track, ...]:
    """The mkv's own subtitle tracks (streams 4, 5 and 6)."""
    return (
        Track(codec="subrip", text=True, language="en", title="English", default=True,
              cues=text_cues("en srt", 0.0), stream_index=4),
        Track(codec="ass", text=True, language="fr", cues=text_cues("fr ass", 0.4),
              stream_index=5),
        Track(codec="hdmv_pgs_subtitle", text=False, language="en", title="English (PGS)",
              forced=True, cues=picture_cues(captions()), stream_index=6),
    )


def _mkv(path: Path, parts: Path, tracks: Sequence[Track]) -> None:
    srt_eng = _write(parts / "eng.srt", srt(tracks[0].cues))
    ass_fre = _write(parts / "fre.ass", ass(tracks[1].cues))
    sup = parts / "eng.sup"
    sup.write_bytes(pgs.sup(captions(), width=WIDTH, height=HEIGHT))
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate=25:duration={DURATION}",
            *_tone(AUDIO[0]), *_tone(AUDIO[1]), *_tone(AUDIO[2]),
            "-i", str(srt_eng), "-i", str(ass_fre), "-i", str(sup),
            "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a",
            "-map", "4:s", "-map", "5:s", "-map", "6:s",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
            "-crf", "28", *_audio_outputs(), "-b:a", "96k",
            "-c:s:0", "srt", "-c:s:1", "ass", "-c:s:2", "copy",
            *_subtitle_outputs(tracks), str(path))


def mp4_tracks() -> tuple[Track, ...]:
    """The mp4's mov_text tracks (streams 2 and 3)."""
    return (Track(codec="mov_text", text=True, language="en", default=True,
                  cues=text_cues("en mov_text", 0.6), stream_index=2),
            Track(codec="mov_text", text=True, language="fr",
                  cues=text_cues("fr mov_text", 0.8), stream_index=3))


def _mp4(path: Path, mkv: Path, parts: Path, tracks: Sequence[Track]) -> None:
    inputs = []
    for i, track in enumerate(tracks):
        inputs += ["-i", str(_write(parts / f"mov_text{i}.srt", srt(track.cues)))]
    _ffmpeg("-i", str(mkv), *inputs, "-map", "0:v", "-map", "0:a:1", "-map", "1:s",
            "-map", "2:s", "-c:v", "copy", "-c:a", "copy", "-c:s", "mov_text",
            *_subtitle_outputs(tracks), str(path))


def dvb_tracks() -> tuple[Track, ...]:
    """The MPEG-TS file's DVB subtitle track (stream 2)."""
    return (Track(codec="dvb_subtitle", text=False, language="en",
                  cues=picture_cues(captions()), stream_index=2),)


def _dvb(path: Path, mkv: Path, parts: Path) -> None:
    # MPEG audio, as broadcasts have, encoded apart: an encoder's delay would start the
    # sound before the picture and move the file's 0.
    sound = parts / "fre.mp2"
    _ffmpeg(*_tone(AUDIO[1]), "-c:a", "mp2", "-b:a", "128k", str(sound))
    # The captions converted alone: beside other streams ffmpeg sometimes stamps a DVB
    # caption late. A caption ends where the next display set starts (fix_sub_duration),
    # and ffmpeg writes its clearing page there.
    subtitles = parts / "dvb.mkv"
    _ffmpeg("-fix_sub_duration", "-i", str(parts / "eng.sup"), "-c:s", "dvbsub", str(subtitles))
    _ffmpeg("-i", str(mkv), "-i", str(sound), "-i", str(subtitles), "-map", "0:v", "-map", "1:a",
            "-map", "2:s", "-c", "copy", "-metadata:s:a:0", "language=fre",
            "-metadata:s:s:0", "language=eng", "-f", "mpegts", str(path))


def sidecar_tracks(directory: Path) -> tuple[Track, ...]:
    """The sidecar files beside ``Film.mkv``, sorted by file name."""
    return (
        Track(codec="ass", text=True, language="de", cues=text_cues("de ass", 1.2),
              sidecar=directory / "Film.de.ass"),
        Track(codec="subrip", text=True, language="en", cues=text_cues("en sidecar srt", 0.2),
              sidecar=directory / "Film.en.srt"),
        Track(codec="subrip", text=True, language="fr", forced=True,
              cues=text_cues("fr forced srt", 1.0), sidecar=directory / "Film.fr.forced.srt"),
        Track(codec="webvtt", text=True, language="en", hearing_impaired=True,
              cues=text_cues("en sdh vtt", 1.4), sidecar=directory / "Film.sdh.en.vtt"),
    )


def _sidecars(tracks: Sequence[Track]) -> None:
    writers = {"ass": ass, "subrip": srt, "webvtt": webvtt}
    for track in tracks:
        assert track.sidecar is not None
        _write(track.sidecar, writers[track.codec](track.cues))


def make_film(directory: Path) -> Film:
    """Write the film's files into ``directory`` (made if missing) and say what they hold."""
    directory.mkdir(parents=True, exist_ok=True)
    film = Film(mkv=directory / "Film.mkv", mp4=directory / "Film mov_text.mp4",
                dvb=directory / "Film DVB.ts", audio=AUDIO,
                subtitles=(*embedded_tracks(), *sidecar_tracks(directory)),
                mp4_subtitles=mp4_tracks(), dvb_subtitles=dvb_tracks(), captions=captions())
    with tempfile.TemporaryDirectory() as scratch:
        parts = Path(scratch)
        _mkv(film.mkv, parts, film.subtitles[:3])
        _sidecars(film.subtitles[3:])
        with ThreadPoolExecutor(2) as pool:
            done = [pool.submit(_mp4, film.mp4, film.mkv, parts, film.mp4_subtitles),
                    pool.submit(_dvb, film.dvb, film.mkv, parts)]
            for future in done:
                future.result()
    return film


def blu_ray_rip(film: Film, path: Path) -> Path:
    """The film's picture and French sound with its PGS captions as a Blu-ray has them:
    placed on a 1920x1080 canvas (a smaller rip that kept the disc's subtitles). Scaled to
    the film's 640x360, each caption covers ``CAPTION_BOX``."""
    scale = 1920 // WIDTH
    _, _, width, height = CAPTION_BOX
    box = pgs.framed_box(width * scale, height * scale, 6 * scale)
    disc = [pgs.Caption(start=c.start, end=c.end, x=c.x * scale, y=c.y * scale, bitmap=box)
            for c in film.captions]
    with tempfile.TemporaryDirectory() as scratch:
        sup = Path(scratch) / "disc.sup"
        sup.write_bytes(pgs.sup(disc, width=1920, height=1080))
        _ffmpeg("-i", str(film.mkv), "-i", str(sup), "-map", "0:v", "-map", "0:a:1",
                "-map", "1", "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session")
def subtitled_film(tmp_path_factory: pytest.TempPathFactory) -> Film:
    """The subtitled film, made once per test session."""
    return make_film(tmp_path_factory.mktemp("subtitled-film"))
