"""A zoo of small real media files for the probe tests, made by ffmpeg at test time.

Each recipe is the ffmpeg arguments that make one file, but the output; ``make_zoo`` makes
them all (two at a time: most are short, start-up-bound ffmpeg runs) into one folder.
"""

from __future__ import annotations

import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av

from revenge.ffmpeg import ffmpeg_binary

QUIET = ("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
X265 = ("-x265-params", "log-level=none")
FAST264 = ("-c:v", "libx264", "-preset", "veryfast")


def video(size: str = "320x240", rate: str = "25", seconds: float = 2) -> list[str]:
    """A test-pattern video input."""
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def tone(seconds: float = 2, frequency: int = 440, rate: int = 48000) -> list[str]:
    """A sine-tone audio input."""
    return ["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate={rate}:"
            f"duration={seconds}"]


def _srt(folder: Path) -> Path:
    path = folder / "lines.srt"
    path.write_text("1\n00:00:00,200 --> 00:00:01,000\nHello\n\n"
                    "2\n00:00:01,100 --> 00:00:01,900\nWorld\n", encoding="utf-8")
    return path


def _cover(folder: Path) -> Path:
    path = folder / "cover.png"
    if not path.exists():
        _ffmpeg([*video("64x64", "1", 1), "-frames:v", "1", str(path)])
    return path


def _ffmpeg(args: list[str]) -> None:
    subprocess.run([ffmpeg_binary(), *QUIET, *args], check=True, timeout=300,
                   capture_output=True)


def _hdr(transfer: str) -> list[str]:
    """10-bit HEVC tagged BT.2020 with ``transfer``.

    ffmpeg 9 no longer hands ``-color_trc``/``-color_primaries`` to libx265 (only
    ``-colorspace`` gets through): the frames must carry them, so ``setparams`` tags them.
    """
    colors = f"color_trc={transfer}:color_primaries=bt2020:colorspace=bt2020nc"
    return ["-vf", f"setparams={colors}", "-c:v", "libx265", "-preset", "ultrafast", *X265,
            "-pix_fmt", "yuv420p10le", "-color_trc", transfer, "-color_primaries", "bt2020",
            "-colorspace", "bt2020nc"]


def _video_recipes() -> dict[str, list[str]]:
    """Name -> the ffmpeg arguments (but the output) of the video codec and geometry files."""
    return {
        "h264_high.mp4": [*video(), *tone(), *FAST264, "-profile:v", "high",
                          "-level", "3.0", "-c:a", "aac"],
        "h264_main.ts": [*video(), *tone(), *FAST264, "-profile:v", "main",
                         "-level", "3.1", "-c:a", "aac"],
        "hevc_main.mp4": [*video(), "-c:v", "libx265", "-preset", "ultrafast",
                          *X265, "-tag:v", "hvc1"],
        "hevc_main.ts": [*video(), "-c:v", "libx265", "-preset", "ultrafast",
                         *X265],
        "hevc_main10.mkv": [*video(), "-c:v", "libx265", "-preset", "ultrafast",
                            *X265, "-pix_fmt", "yuv420p10le"],
        "hdr10.mp4": [*video(), *_hdr("smpte2084"), "-tag:v", "hvc1"],
        "hlg.ts": [*video(), *_hdr("arib-std-b67")],
        "av1.mp4": [*video(), "-c:v", "libsvtav1", "-preset", "12",
                    "-svtav1-params", "log-level=0"],
        "av1.webm": [*video(), "-c:v", "libsvtav1", "-preset", "12",
                     "-svtav1-params", "log-level=0"],
        "vp9.webm": [*video(), *tone(), "-c:v", "libvpx-vp9", "-deadline", "realtime",
                     "-cpu-used", "8", "-b:v", "200k", "-c:a", "libopus"],
        "mpeg2.mpg": [*video("720x576"), *tone(), "-c:v", "mpeg2video",
                      "-flags", "+ilme+ildct", "-vf", "setfield=tff",
                      "-aspect", "16:9", "-b:v", "2M", "-c:a", "mp2"],
        "mpeg2.vob": [*video("720x576"), *tone(), "-c:v", "mpeg2video",
                      "-flags", "+ilme+ildct", "-vf", "setfield=tff",
                      "-aspect", "16:9", "-b:v", "2M", "-c:a", "ac3", "-f", "vob"],
        "mpeg4.avi": [*video(), *tone(), "-c:v", "mpeg4", "-c:a", "libmp3lame"],
        "wmv2.wmv": [*video(), *tone(), "-c:v", "wmv2", "-c:a", "wmav2"],
        "mbaff.ts": [*video(), *FAST264, "-x264-params", "interlaced=1:bff=1"],
        "landscape.mp4": [*video("320x180"), *FAST264],
        "portrait.mp4": [*video("180x320"), *FAST264],
        "offset.ts": [*video(), *tone(), *FAST264, "-c:a", "aac",
                      "-output_ts_offset", "10"],
    }


def _track_recipes(folder: Path) -> dict[str, list[str]]:
    """Audio codecs, tags and cover art, several tracks, subtitles."""
    srt = str(_srt(folder))
    return {
        "ac3_51.ac3": [*tone(), "-ac", "6", "-c:a", "ac3"],
        "eac3.mka": [*tone(), "-ac", "2", "-c:a", "eac3"],
        "dts.dts": [*tone(), "-ac", "2", "-c:a", "dca", "-strict", "-2"],
        "opus.opus": [*tone(), "-c:a", "libopus", "-metadata", "title=Sine",
                      "-metadata", "artist=Oscillator"],
        "flac.flac": [*tone(rate=44100), "-c:a", "flac", "-metadata", "title=Tone",
                      "-metadata", "artist=Lab", "-metadata", "album=Tests",
                      "-metadata", "track=3/9"],
        "aac_lc.m4a": [*tone(rate=44100), "-c:a", "aac"],
        "tagged.mp3": [*tone(rate=44100), "-i", str(_cover(folder)),
                       "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame",
                       "-c:v", "png", "-disposition:v", "attached_pic",
                       "-id3v2_version", "3", "-metadata", "title=Song",
                       "-metadata", "artist=Band", "-metadata", "album=Record",
                       "-metadata", "album_artist=Band", "-metadata", "track=2/12",
                       "-metadata", "date=2003", "-metadata", "genre=Rock",
                       "-metadata", "comment=not kept"],
        "tracks.mkv": [
            *video(), *tone(frequency=300), *tone(frequency=400), *tone(frequency=500),
            "-i", srt, "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a",
            "-map", "4:s", *FAST264, "-c:a", "aac", "-c:s", "srt",
            "-metadata:s:a:0", "language=fre", "-metadata:s:a:0", "title=Français",
            "-metadata:s:a:1", "language=ger", "-metadata:s:a:1", "title=Deutsch",
            "-metadata:s:a:2", "language=eng", "-metadata:s:s:0", "language=fra",
            "-disposition:a:0", "default", "-disposition:a:1", "0",
            "-disposition:a:2", "0", "-disposition:s:0", "forced"],
        "subs.mp4": [*video(), "-i", srt, *FAST264, "-c:s", "mov_text",
                     "-metadata:s:s:0", "language=deu"],
    }


def _timing_recipes() -> dict[str, list[str]]:
    """Long files to cut short, keyframes aligned and not, a variable frame rate."""
    keyframes_2s = ("-force_key_frames", "expr:gte(t,n_forced*2)")
    return {
        "long.mkv": [*video("160x120", "25", 10), *tone(10), *FAST264,
                     "-c:a", "aac"],
        "long.mp4": [*video("160x120", "25", 10), *tone(10), *FAST264,
                     "-c:a", "aac", "-movflags", "+faststart"],
        "long.mp3": [*tone(10, rate=44100), "-c:a", "libmp3lame"],
        "aligned.mp4": [*video("96x64", "25", 13), *FAST264, *keyframes_2s],
        "aligned.mkv": [*video("96x64", "25", 13), *FAST264, *keyframes_2s],
        "aligned.ts": [*video("96x64", "25", 13), *FAST264, *keyframes_2s],
        "unaligned.mp4": [
            *video("96x64", "25", 3.5), "-f", "lavfi", "-i",
            "mandelbrot=size=96x64:rate=25,trim=duration=9.5", "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", *FAST264, "-g", "250"],
        "vfr.mkv": [*video("160x120", "25", 4), *FAST264, "-vf",
                    "select='lt(t,1)+not(mod(n,3))'", "-fps_mode", "vfr"],
    }


def _derived(zoo: dict[str, Path], folder: Path) -> dict[str, Path]:
    """Files made from others: a phone's rotation flag, cut-short copies, DVD subtitles."""
    made = {name: folder / name
            for name in ("rotated.mp4", "cut.mkv", "cut.mp4", "cut.mp3", "dvdsub.mkv")}
    # -display_rotation is an input option: it sets the display matrix the copy writes.
    _ffmpeg(["-display_rotation:v:0", "90", "-i", str(zoo["landscape.mp4"]), "-c", "copy",
             str(made["rotated.mp4"])])
    for name in ("cut.mkv", "cut.mp4", "cut.mp3"):
        whole = zoo["long" + Path(name).suffix].read_bytes()
        made[name].write_bytes(whole[:len(whole) * 6 // 10])  # an interrupted download
    subtitles = _dvd_subtitles(folder / "dvdsub-only.mkv")
    _ffmpeg(["-i", str(zoo["h264_high.mp4"]), "-i", str(subtitles), "-map", "0", "-map", "1",
             "-c", "copy", str(made["dvdsub.mkv"])])
    return made


def spu_packet() -> bytes:
    """A DVD subtitle picture (SPU): two pixels on two lines, shown for about a second."""
    top, bottom = b"\x90", b"\x90"  # run-length coded: one run of two pixels, colour 1
    data_at = 4
    control_at = data_at + len(top) + len(bottom)
    show = (b"\x01" + b"\x03\x01\x23" + b"\x04\xff\xf0"  # start, palette, alpha
            + b"\x05\x00\x00\x01\x00\x00\x01"  # the area: x 0..1, y 0..1
            + b"\x06" + struct.pack(">HH", data_at, data_at + len(top)) + b"\xff")
    stop_at = control_at + 4 + len(show)
    body = (top + bottom + struct.pack(">HH", 0, stop_at) + show
            + struct.pack(">HH", 100, stop_at) + b"\x02\xff")  # stop, 100 ticks later
    return struct.pack(">HH", 4 + len(body), control_at) + body


def _dvd_subtitles(path: Path) -> Path:
    """A Matroska file holding a dvd_subtitle stream (ffmpeg cannot draw text into one)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("dvd_subtitle")
        stream.time_base = Fraction(1, 1000)
        for at in (200, 1200):
            packet = av.Packet(spu_packet())
            packet.stream = stream
            packet.pts = packet.dts = at
            packet.duration = 800
            packet.time_base = Fraction(1, 1000)
            out.mux(packet)
    return path


def make_zoo(folder: Path) -> dict[str, Path]:
    """Make every recipe's file in ``folder``; return name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    recipes = _video_recipes() | _track_recipes(folder) | _timing_recipes()

    def make(name: str) -> tuple[str, Path]:
        out = folder / name
        _ffmpeg([*recipes[name], str(out)])
        return name, out

    with ThreadPoolExecutor(max_workers=2) as pool:
        zoo = dict(pool.map(make, recipes))
    return zoo | _derived(zoo, folder)
