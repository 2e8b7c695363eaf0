"""WebVTT in and out: cues read from ffmpeg's output (or a sidecar), written whole or as HLS
segments.

Reading forgives what real files hold: a byte order mark, CRLF or CR line ends, ``NOTE``,
``STYLE`` and ``REGION`` blocks, cue identifiers, timestamps with or without hours (and with
a comma, as SubRip writes them), cues out of order. Cue text comes out as a valid WebVTT
payload: ffmpeg's encoder leaves ``&``, ``<`` and ``>`` as they were in the source, so what
is not a WebVTT tag or character reference is escaped (a stray ``-->`` would end the cue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:[ \t]+(.*?))?\s*$")
_NOT_CUES = re.compile(r"^(?:WEBVTT|NOTE|STYLE|REGION)(?:[ \t]|$)")
# What a cue payload may hold as it is: WebVTT's tags, timestamps and character references.
_KEPT = (r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:\.[\w.-]+)?(?:[ \t][^<>\n]*)?>"
         rf"|<{_TIMESTAMP}>"
         r"|&(?:amp|lt|gt|nbsp|lrm|rlm|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_PAYLOAD = re.compile(rf"({_KEPT})|[&<>]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


@attrs.frozen
class Cue:
    """Text shown from ``start`` to ``end`` (seconds); ``settings`` as WebVTT writes them
    after the timing (``line:0 align:start``)."""

    start: float
    end: float
    text: str
    settings: str = ""


def parse_webvtt(text: str) -> tuple[Cue, ...]:
    """The cues of a WebVTT document, by start time; cues without text or with an end
    before their start are left out."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
        elif block:
            cues += _block_cues(block)
            block = []
    return tuple(sorted(cues, key=lambda c: (c.start, c.end)))


def _block_cues(block: Sequence[str]) -> list[Cue]:
    """The cues of one block of lines (usually one; an identifier before the timing is
    ignored, and a timing line inside begins another cue, as ffmpeg never escapes)."""
    if _NOT_CUES.match(block[0]):
        return []
    cues = []
    timing: re.Match[str] | None = None
    text: list[str] = []
    for line in block:
        found = _TIMING.match(line)
        if found is not None:
            if timing is not None:
                cues.append(_cue(timing, text))
            timing, text = found, []
        elif timing is not None:
            text.append(line)
    if timing is not None:
        cues.append(_cue(timing, text))
    return [c for c in cues if c.text and c.end >= c.start]


def _cue(timing: re.Match[str], text: Sequence[str]) -> Cue:
    groups = timing.groups()
    return Cue(_seconds(groups[0:4]), _seconds(groups[4:8]),
               "\n".join(escape_payload(line.strip()) for line in text if line.strip()),
               (groups[8] or "").strip())


def _seconds(parts: Sequence[str | None]) -> float:
    hours, minutes, seconds, fraction = parts
    assert minutes is not None and seconds is not None and fraction is not None
    return (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            + int(fraction.ljust(3, "0")) / 1000)


def escape_payload(text: str) -> str:
    """``text`` with every ``&``, ``<`` and ``>`` that is not part of a WebVTT tag or
    character reference escaped."""
    return _PAYLOAD.sub(lambda m: m.group(1) or _ESCAPES[m.group(0)], text)


def timestamp(seconds: float) -> str:
    """``seconds`` as a WebVTT timestamp, hours always written: ``01:02:03.045``."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _blocks(cues: Iterable[Cue]) -> str:
    return "".join(
        f"{timestamp(c.start)} --> {timestamp(c.end)}{' ' + c.settings if c.settings else ''}"
        f"\n{c.text}\n\n" for c in cues)


def overlapping(cues: Sequence[Cue], start: float, end: float) -> list[Cue]:
    """The cues shown at some moment of ``[start, end)`` (a cue of no length: if it falls
    in it)."""
    return [c for c in cues
            if c.start < end and (c.end > start or (c.end == c.start >= start))]


def segment_webvtt(cues: Sequence[Cue], start: float, end: float, *, mpegts: int) -> str:
    """The WebVTT segment for ``[start, end)`` of the timeline: every cue that overlaps it,
    at its own (absolute) times, which ``X-TIMESTAMP-MAP`` ties to the MPEG-TS clock:
    timeline 0 is ``mpegts`` (90 kHz ticks; the segment format's offset, 0 for fMP4)."""
    header = f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n\n"
    return header + _blocks(overlapping(cues, start, end))


def whole_webvtt(cues: Iterable[Cue]) -> str:
    """A whole track as a plain WebVTT file (a sidecar for players)."""
    return "WEBVTT\n\n" + _blocks(cues)
