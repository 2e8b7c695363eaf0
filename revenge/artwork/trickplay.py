"""Scrubbing previews ("trickplay"): a 320-px-wide picture every 10 s, tiled in sprite
sheets no larger than 4096 px, and the WebVTT track naming each one's place
(``sheet-000.jpg#xywh=x,y,w,h``), as players such as Jellyfin's and video.js's read it.

ffmpeg decodes keyframes only (``-skip_frame nokey``): the ``fps`` filter then takes the
keyframe at or before each 10 s mark, so a preview is at most one keyframe interval early,
and the film is read once at a fraction of a full decode's cost.
"""

from __future__ import annotations

import math

import attrs

from revenge.artwork.poster import poster_size
from revenge.store.records import MediaRecord
from revenge.subtitles.webvtt import timestamp

INTERVAL = 10.0
THUMB_WIDTH = 320
MAX_SHEET = 4096
MAX_TILES = 10  # per row and per column: a sheet of 100 previews is some 1000 s


@attrs.frozen
class Layout:
    """How a media's previews are laid out in sheets."""

    width: int
    height: int
    columns: int
    rows: int
    count: int  # previews in all
    interval: float = INTERVAL

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def sheets(self) -> int:
        return math.ceil(self.count / self.per_sheet)

    def to_json(self) -> dict[str, float]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, float]) -> Layout:
        return cls(int(doc["width"]), int(doc["height"]), int(doc["columns"]),
                   int(doc["rows"]), int(doc["count"]), float(doc["interval"]))


def layout(record: MediaRecord) -> Layout | None:
    """The previews of ``record``; None without a video of known size and duration."""
    duration = record.probe.duration
    size = poster_size(record, THUMB_WIDTH)  # a preview is a small poster: same geometry
    if size is None or not duration:
        return None
    width, height = size
    count = max(1, math.ceil(duration / INTERVAL))
    columns = min(MAX_TILES, MAX_SHEET // width, count)
    # A short video gets a sheet only as tall as its previews need.
    rows = max(1, min(MAX_TILES, MAX_SHEET // height, math.ceil(count / columns)))
    return Layout(width, height, columns, rows, count)


def sheet_name(number: int) -> str:
    """The file name of sheet ``number``."""
    return f"sheet-{number:03d}.jpg"


def trickplay_argv(ffmpeg: str, source: str, folder: str, plan: Layout) -> list[str]:
    """The command writing ``plan``'s sheets of ``source`` into ``folder``."""
    # eof_action=pass: a video shorter than the interval still has its first preview.
    chain = [f"fps=1/{plan.interval:g}:round=down:eof_action=pass",
             f"scale={plan.width}:{plan.height}", "setsar=1", "format=yuvj420p",
             f"tile={plan.columns}x{plan.rows}"]
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
            "-skip_frame", "nokey", "-i", source, "-map", "0:v:0", "-an", "-sn", "-dn",
            "-filter_threads", "1", "-vf", ",".join(chain), "-c:v", "mjpeg", "-q:v", "5",
            "-f", "image2", "-start_number", "0", "-y", f"{folder}/sheet-%03d.jpg"]


def thumbnails_vtt(plan: Layout, duration: float, *, query: str = "") -> str:
    """The WebVTT track: one cue per preview, its sheet (``?query`` added) and place."""
    lines = ["WEBVTT", ""]
    for number in range(plan.count):
        start = number * plan.interval
        end = min(start + plan.interval, duration)
        if end <= start:
            break
        sheet, place = divmod(number, plan.per_sheet)
        row, column = divmod(place, plan.columns)
        lines += [f"{timestamp(start)} --> {timestamp(end)}",
                  f"{sheet_name(sheet)}{'?' + query if query else ''}#xywh="
                  f"{column * plan.width},{row * plan.height},{plan.width},{plan.height}", ""]
    return "\n".join(lines)
