"""Where the ffmpeg binary is: the configured one, else the one ``imageio-ffmpeg`` ships."""

from __future__ import annotations

import shutil


def ffmpeg_binary(configured: str | None = None) -> str:
    """Return the path of the ffmpeg to run; ``configured`` (a path or a name on PATH) wins."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise FileNotFoundError(f"ffmpeg binary {configured!r} not found")
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
