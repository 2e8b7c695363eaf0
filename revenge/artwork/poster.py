"""The poster frame of a video: a representative frame from 10-20 % in, not a black one.

ffmpeg decodes keyframes only (``-skip_frame nokey``) over a window starting a tenth of the
way in, scaled to the poster size first (so the filters hold small pictures), drops frames
darker than ``DARK`` (fades, black openings), and lets the ``thumbnail`` filter pick the
frame closest to the window's average, which is rarely a flash or a title card. A window
with nothing but dark frames is tried again without that filter: a dark film gets a dark
poster rather than none.
"""

from __future__ import annotations

from revenge.store.records import MediaRecord

POSTER_WIDTH = 640
DARK = 28  # average luma (0-255) below which a frame counts as black
CANDIDATES = 12  # keyframes the thumbnail filter chooses among
WINDOW_MIN, WINDOW_MAX = 2.0, 120.0  # seconds of the film looked at


def poster_size(record: MediaRecord, width: int = POSTER_WIDTH) -> tuple[int, int] | None:
    """The poster's size: ``width`` or the picture's own if narrower, the height from the
    display aspect ratio, both even; None without a video track of known size."""
    video = record.probe.video
    if video is None:
        return None
    shown_w = video.display_width or video.width
    shown_h = video.display_height or video.height
    if not shown_w or not shown_h:
        return None
    out_w = max(2, min(width, shown_w) // 2 * 2)
    out_h = max(2, round(out_w * shown_h / shown_w / 2) * 2)
    return out_w, out_h


def poster_window(duration: float | None) -> tuple[float, float]:
    """(start, length) of the window the frame is chosen from."""
    if not duration:
        return 0.0, WINDOW_MAX
    length = min(max(0.1 * duration, WINDOW_MIN), WINDOW_MAX)
    return round(0.1 * duration, 3), round(length, 3)


def poster_argv(ffmpeg: str, source: str, out: str, *, size: tuple[int, int],
                window: tuple[float, float], skip_dark: bool = True) -> list[str]:
    """The command writing the poster of ``source`` to ``out`` (a JPEG)."""
    width, height = size
    start, length = window
    chain = [f"scale={width}:{height}", "setsar=1", "format=yuvj420p"]
    if skip_dark:
        chain += ["signalstats", "metadata=mode=select:key=lavfi.signalstats.YAVG:"
                                 f"value={DARK}:function=greater"]
    chain.append(f"thumbnail={CANDIDATES}")
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
            "-skip_frame", "nokey", "-ss", f"{start:g}", "-t", f"{length:g}", "-i", source,
            "-map", "0:v:0", "-an", "-sn", "-dn", "-filter_threads", "1",
            "-vf", ",".join(chain), "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3",
            "-f", "image2", "-update", "1", "-y", out]
