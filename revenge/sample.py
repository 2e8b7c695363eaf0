"""``python -m revenge.sample DIR``: make a small sample library with ffmpeg, to try Revenge on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from revenge.ffmpeg import ffmpeg_binary

# name, seconds, size, test pattern, tone (Hz)
SAMPLES = (
    ("Big Test Pattern.mp4", 60, "1280x720", "testsrc2", 440),
    ("Colour Bars.mkv", 45, "854x480", "smptehdbars", 660),
    ("Mandelbrot Zoom.mp4", 30, "640x360", "mandelbrot", 330),
)


def make_sample(directory: Path) -> list[Path]:
    """Encode the sample clips into ``directory`` (skipping those already there)."""
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for name, seconds, size, pattern, tone in SAMPLES:
        path = directory / name
        made.append(path)
        if path.exists():
            continue
        subprocess.run(
            [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25:duration={seconds}",
             "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
             "-c:a", "aac", "-b:a", "128k", "-metadata", f"title={path.stem}", str(path)],
            check=True,
        )
    return made


def main() -> None:
    """Command-line entry point."""
    if len(sys.argv) != 2:
        sys.exit("usage: python -m revenge.sample DIR")
    for path in make_sample(Path(sys.argv[1])):
        print(path)


if __name__ == "__main__":
    main()
