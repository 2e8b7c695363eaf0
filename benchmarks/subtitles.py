"""Subtitle extraction: what reading the text tracks of a 2-hour film costs.

    .venv/bin/python -m benchmarks.subtitles [--hours 2] [--cues 600] [--video-kbps 0]

Makes a film of ``--hours`` (a minute of picture, 64x36 or at ``--video-kbps`` if given,
and stereo AAC, looped by ``-c copy`` so making it is cheap) with two text tracks (SRT
and ASS, ``--cues`` cues each, spread over the whole length), then has a fresh
``SubtitleService`` extract them, as a session's first subtitle request would, and reports:

- wall seconds from the request to the cues in hand, CPU seconds (ffmpeg's, from
  ``RUSAGE_CHILDREN``, and this process's: parsing), bytes read (this process's
  ``/proc/self/io`` ``rchar``, which counts its reaped children's too);
- once with the film's pages dropped from the page cache (``POSIX_FADV_DONTNEED`` on
  that file alone: a cold read from the disk), once warm (a film just played);
- time until ffmpeg, streaming one track out as it reads, has written its first cue,
  against the time it has written the whole track: Revenge serves a track's cues once
  the whole file has been read, so the second is what a player's first subtitle segment
  waits for; the first is what serving cues as they come would give.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet import task
from twisted.internet.defer import Deferred

from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.library.scan import walk_roots
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleService
from revenge.subtitles.tracks import subtitle_tracks

_QUIET = ("-hide_banner", "-loglevel", "error", "-nostdin", "-y")


def _clock(seconds: float, comma: bool) -> str:
    millis = round(seconds * 1000)
    text = (f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:"
            f"{millis // 1000 % 60:02d}.{millis % 1000:03d}")
    return text.replace(".", ",") if comma else text


def _subtitles(work: Path, seconds: float, cues: int) -> tuple[Path, Path]:
    step = seconds / cues
    times = [(0.5 + i * step, 0.5 + i * step + min(3.0, step * 0.8)) for i in range(cues)]
    srt = work / "eng.srt"
    srt.write_text("".join(f"{i + 1}\n{_clock(a, True)} --> {_clock(b, True)}\nEnglish {i}\n\n"
                           for i, (a, b) in enumerate(times)))
    ass = work / "fre.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize\n"
        "Style: Default,Arial,20\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        + "".join(f"Dialogue: 0,{_clock(a, False)[1:-1]},{_clock(b, False)[1:-1]},Default,,"
                  f"0,0,0,,{{\\i1}}Français{{\\i0}} {i}\n" for i, (a, b) in enumerate(times)))
    return srt, ass


def make_film(work: Path, *, hours: float, cues: int, video_kbps: int) -> Path:
    """The film: a looped minute of picture and sound, and two text tracks."""
    seconds = hours * 3600
    minute = work / "minute.mkv"
    size, video = ("640x360", ["-b:v", f"{video_kbps}k"]) if video_kbps else ("64x36", [])
    subprocess.run([ffmpeg_binary(), *_QUIET, "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=25:duration=60", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000:duration=60", "-c:v", "libx264",
                    "-preset", "ultrafast", *video, "-g", "50", "-c:a", "aac", "-b:a", "128k",
                    str(minute)], check=True)
    srt, ass = _subtitles(work, seconds, cues)
    film = work / "Film.mkv"
    subprocess.run([ffmpeg_binary(), *_QUIET, "-stream_loop", str(int(seconds // 60)), "-i",
                    str(minute), "-i", str(srt), "-i", str(ass), "-map", "0:v", "-map", "0:a",
                    "-map", "1", "-map", "2", "-t", str(seconds), "-c", "copy",
                    str(film)], check=True)
    minute.unlink()
    return film


def _rchar() -> int:
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def evict(path: Path) -> None:
    """Drop ``path``'s pages from the page cache (this file only), for a cold read."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


async def measure(reactor: Any, record: MediaRecord, cache: Path) -> dict[str, Any]:
    """Extract the film's text tracks with a fresh service, as a first request for its
    subtitles does; what it cost."""
    service = SubtitleService(directory=cache, ffmpeg=ffmpeg_binary(), reactor=reactor)
    service.startService()
    tracks = [t for t in subtitle_tracks(record) if t.text]
    started = time.monotonic()
    children, own, read = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF), _rchar()
    counts = [len(await service.cues(record, t)) for t in tracks]
    result = {"wall": time.monotonic() - started,
              "ffmpeg_cpu": _cpu(resource.RUSAGE_CHILDREN) - children,
              "own_cpu": _cpu(resource.RUSAGE_SELF) - own, "read": _rchar() - read,
              "cues": counts}
    await service.stopService()
    return result


def first_cue(film: Path, stream: int) -> tuple[float, float]:
    """Seconds until ffmpeg, writing one track as it reads (flushing every cue), has
    written its first cue, and until it is done (blocking)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [ffmpeg_binary(), *_QUIET, "-i", str(film), "-map", f"0:{stream}", "-c:s", "webvtt",
         "-flush_packets", "1", "-f", "webvtt", "pipe:1"], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    first = next((time.monotonic() - started for line in child.stdout if "-->" in line), 0.0)
    child.stdout.read()
    child.wait()
    return first, time.monotonic() - started


async def run(reactor: Any, hours: float, cues: int, video_kbps: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="subtitles-bench-"))
    made = time.monotonic()
    film = make_film(work, hours=hours, cues=cues, video_kbps=video_kbps)
    (found,) = walk_roots([str(work)], (".mkv",))
    record = MediaRecord(found.id, found.path, found.root, found.size, found.mtime_ns,
                         "Film", probe_file(film), found.sidecars)
    print(f"{hours:g} h film, {film.stat().st_size / 1e6:.0f} MB (made in "
          f"{time.monotonic() - made:.0f} s), 2 text tracks x {cues} cues, "
          f"{os.cpu_count()} cores")
    for label in ("cold", "warm"):
        if label == "cold":
            evict(film)
        r = await measure(reactor, record, work / f"cache-{label}")
        print(f"{label}: cues of both tracks in hand after {r['wall']:.2f} s wall; ffmpeg "
              f"{r['ffmpeg_cpu']:.2f} s CPU, parsing {r['own_cpu']:.2f} s CPU, "
              f"{r['read'] / 1e6:.0f} MB read; {r['cues']} cues")
    stream = next(t.stream_index for t in subtitle_tracks(record)
                  if t.text and t.stream_index is not None)
    evict(film)
    cold_first, cold_whole = first_cue(film, stream)
    warm_first, warm_whole = first_cue(film, stream)
    print(f"one track streamed out of ffmpeg: first cue after {cold_first:.3f} s cold, "
          f"{warm_first:.3f} s warm; whole track after {cold_whole:.2f} s cold, "
          f"{warm_whole:.2f} s warm")
    subprocess.run(["rm", "-rf", str(work)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--cues", type=int, default=600)
    parser.add_argument("--video-kbps", type=int, default=0)
    args = parser.parse_args()

    def go(reactor: Any) -> Deferred[None]:
        return Deferred.fromCoroutine(run(reactor, args.hours, args.cues, args.video_kbps))

    task.react(go)


if __name__ == "__main__":
    main()
