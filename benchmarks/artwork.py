"""Posters and scrubbing previews: what making them costs for an hour of video, and how
much they slow a transcode that runs meanwhile.

    .venv/bin/python -m benchmarks.artwork [--hours 1] [--height 720] [--gop 5]

Makes ``--hours`` of H.264 (ten minutes of test pattern at ``--height`` lines, a keyframe
every ``--gop`` seconds, looped by ``-c copy`` so making it is cheap), then runs the very
commands the artwork jobs run (niced, one thread, keyframes only), and reports wall and
CPU seconds (ffmpeg's, from ``RUSAGE_CHILDREN``) for the poster and for the thumbnails.

Then the cost to playback: a 720p → 480p H.264 transcode of 2 minutes of the film, as the
embedded Blackbeard runs one (``-preset veryfast``, two threads), timed alone and while the
thumbnails job runs beside it; the ratio of the two is what a stream loses.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from revenge.artwork.child import niced
from revenge.artwork.poster import poster_argv, poster_size, poster_window
from revenge.artwork.trickplay import layout, trickplay_argv
from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.library.scan import media_id
from revenge.store.records import MediaRecord

FFMPEG = ffmpeg_binary()


def make_film(folder: Path, *, hours: float, height: int, gop: float) -> Path:
    """``hours`` of H.264 at ``height`` lines, made once per shape and kept in ``folder``."""
    film = folder / f"film-{hours:g}h-{height}p-gop{gop:g}.mp4"
    if film.exists():
        return film
    width = height * 16 // 9 // 2 * 2
    piece = folder / f"piece-{height}p-gop{gop:g}.mp4"
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration=600",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28",
                    "-g", str(int(25 * gop)), "-pix_fmt", "yuv420p", str(piece)], check=True)
    loops = max(1, round(hours * 6)) - 1
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-stream_loop",
                    str(loops), "-i", str(piece), "-c", "copy", str(film)], check=True)
    return film


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of running ``argv`` to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(argv, check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def transcode_argv(film: Path, out: Path) -> list[str]:
    """Two minutes of the film to 480p, as the embedded transcoder encodes a rendition."""
    return [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", "600",
            "-t", "120", "-i", str(film), "-vf", "scale=-2:480", "-c:v", "libx264",
            "-preset", "veryfast", "-threads", "2", "-an", "-f", "mpegts", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--gop", type=float, default=5.0)
    parser.add_argument("--keep", default=os.path.join(tempfile.gettempdir(),
                                                       "revenge-bench-artwork"))
    args = parser.parse_args()
    folder = Path(args.keep)
    folder.mkdir(parents=True, exist_ok=True)
    film = make_film(folder, hours=args.hours, height=args.height, gop=args.gop)
    stat = film.stat()
    record = MediaRecord(media_id(str(film)), str(film), str(folder), stat.st_size,
                         stat.st_mtime_ns, film.stem, probe_file(film))
    print(f"film: {args.hours:g} h, {args.height}p, keyframe every {args.gop:g} s, "
          f"{stat.st_size / 1e9:.2f} GB")
    size = poster_size(record)
    assert size is not None
    poster = folder / "poster.jpg"
    wall, cpu = timed(niced(poster_argv(FFMPEG, str(film), str(poster), size=size,
                                        window=poster_window(record.probe.duration))))
    print(f"poster: {wall:.2f} s wall, {cpu:.2f} s CPU")
    plan = layout(record)
    assert plan is not None
    sheets = Path(tempfile.mkdtemp(dir=folder))
    thumbnails = niced(trickplay_argv(FFMPEG, str(film), str(sheets), plan))
    wall, cpu = timed(thumbnails)
    print(f"thumbnails: {plan.count} previews in {plan.sheets} sheets: {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU")
    # Alone before and after, so a neighbour's load on a shared machine shows as spread.
    alone, _ = timed(transcode_argv(film, folder / "alone.ts"))
    beside = subprocess.Popen(thumbnails)
    with_job, _ = timed(transcode_argv(film, folder / "beside.ts"))
    still_running = beside.poll() is None
    beside.wait()
    again, _ = timed(transcode_argv(film, folder / "alone.ts"))
    base = (alone + again) / 2
    print(f"transcode of 120 s to 480p: {alone:.2f} s and {again:.2f} s alone, "
          f"{with_job:.2f} s beside the thumbnails job ({with_job / base:.2f}x; the job "
          f"{'outlasted' if still_running else 'ended before'} the transcode)")


if __name__ == "__main__":
    main()
