"""Read the whole stream with ffmpeg's own HLS demuxer, as a real client would."""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

from revenge.ffmpeg import ffmpeg_binary
from tests.hls.model import ERROR, WARNING, FfmpegRead, Finding
from tests.hls.rules import ms

DURATION_TOLERANCE = 0.5
LOG_LINES_SHOWN = 3


def read_with_ffmpeg(url: str, *, has_audio: bool, timeout: float = 900) -> FfmpegRead:
    """Decode the first video and audio stream to nowhere; copy the audio to framecrc.

    One read serves both: the decode tells whether ffmpeg plays it all and how long it
    is, the packet list tells whether audio runs throughout.
    """
    with tempfile.TemporaryDirectory() as scratch:
        crc = Path(scratch) / "audio.framecrc"
        args = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats",
                "-loglevel", "level+warning", "-progress", "pipe:1", "-i", url,
                "-map", "0:v:0?", "-map", "0:a:0?", "-f", "null", "-"]
        if has_audio:
            args += ["-map", "0:a:0?", "-c", "copy", "-f", "framecrc", str(crc)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        packets = _framecrc(crc.read_text()) if crc.exists() else []
    stamps = [line.split("=", 1)[1] for line in done.stdout.splitlines()
              if line.startswith("out_time_us=") and line.split("=", 1)[1].isdigit()]
    log = done.stderr.splitlines()
    span, gap = _audio_span(packets)
    return FfmpegRead(
        returncode=done.returncode,
        duration=int(stamps[-1]) / 1e6 if stamps else None,
        warnings=tuple(line for line in log if "[warning]" in line),
        errors=tuple(line for line in log if "[error]" in line or "[fatal]" in line),
        audio_packets=len(packets), audio_span=span, audio_max_gap=gap)


def _framecrc(text: str) -> list[tuple[float, float]]:
    """(pts, duration) in seconds of each packet of a framecrc listing."""
    bases: dict[str, Fraction] = {}
    packets = []
    for line in text.splitlines():
        if line.startswith("#tb "):
            stream, time_base = line[4:].split(":")
            bases[stream.strip()] = Fraction(time_base.strip())
        elif line and not line.startswith("#"):
            fields = [f.strip() for f in line.split(",")]
            base = bases.get(fields[0], Fraction(1))
            packets.append((float(int(fields[2]) * base), float(int(fields[3]) * base)))
    return packets


def _audio_span(packets: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """The time the packets cover, and the largest hole between two of them."""
    if not packets:
        return None, None
    ordered = sorted(packets)
    holes = [b[0] - (a[0] + a[1]) for a, b in itertools.pairwise(ordered)]
    return ordered[-1][0] + ordered[-1][1] - ordered[0][0], max(holes, default=0.0)


def judge_read(read: FfmpegRead, *, expected_duration: float,
               has_audio: bool) -> list[Finding]:
    """Findings from ffmpeg's read: exit status, log, duration, audio throughout."""
    where, found = "ffmpeg read", []
    if read.returncode != 0:
        found.append(Finding(ERROR, "ffmpeg", where, f"exit status {read.returncode}"
                             f" (expected 0): {' | '.join(read.errors[-LOG_LINES_SHOWN:])}"))
    # Reported, but not failed on: ffmpeg 9's HLS demuxer logs "Invalid NAL unit size"
    # and "Packet corrupt" while probing some valid fMP4 streams (a video variant with a
    # separate audio rendition) whose every frame decodes; the exit status, the duration
    # and the segment decoding above are the verdict.
    for kind, lines in (("error", read.errors), ("warning", read.warnings)):
        if lines:
            found.append(Finding(WARNING, "ffmpeg-log", where, f"{len(lines)} {kind} lines,"
                                 f" first: {' | '.join(lines[:LOG_LINES_SHOWN])}"))
    if read.duration is None or abs(read.duration - expected_duration) > DURATION_TOLERANCE:
        found.append(Finding(ERROR, "ffmpeg-duration", where,
                             f"ffmpeg decoded {read.duration} s, expected"
                             f" {expected_duration:.3f} s ±{DURATION_TOLERANCE} s"))
    if has_audio:
        found += _judge_audio(read, expected_duration)
    return found


def _judge_audio(read: FfmpegRead, expected_duration: float) -> list[Finding]:
    where = "ffmpeg read"
    if not read.audio_packets or read.audio_span is None:
        return [Finding(ERROR, "ffmpeg-audio", where, "expected audio; ffmpeg read none")]
    found = []
    if abs(read.audio_span - expected_duration) > DURATION_TOLERANCE:
        found.append(Finding(ERROR, "ffmpeg-audio", where, f"audio packets span"
                             f" {read.audio_span:.3f} s, expected {expected_duration:.3f} s"))
    typical = read.audio_span / read.audio_packets  # one packet, on average
    if read.audio_max_gap is not None and read.audio_max_gap > typical + 0.0015:
        found.append(Finding(ERROR, "ffmpeg-audio", where, "expected audio packets back to"
                             f" back, found a {ms(read.audio_max_gap)} hole"))
    return found
