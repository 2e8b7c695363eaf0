"""Names in the contract's URLs: transcode ids, rendition names and segment files.

One module knows them, so the transcoder's routes, the client and Revenge's manifests and
segment route all accept exactly the same names (and nothing a request carries ever becomes
a path without passing through here).
"""

from __future__ import annotations

import re
from typing import Literal

SegmentFormat = Literal["ts", "fmp4"]
# Rendition (profile) names: "1080p", "source", "audio-1".
RENDITION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# Transcode ids as any Blackbeard may make them.
TRANSCODE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_SEGMENT = re.compile(r"^(0|[1-9][0-9]{0,6})\.(ts|m4s)$")
_SUBTITLE_SEGMENT = re.compile(r"^(0|[1-9][0-9]{0,6})\.vtt$")
INIT_SEGMENT = "init.mp4"
EXTENSIONS: dict[SegmentFormat, str] = {"ts": "ts", "fmp4": "m4s"}
CONTENT_TYPES = {"ts": "video/mp2t", "m4s": "video/iso.segment", "mp4": "video/mp4",
                 "vtt": "text/vtt; charset=utf-8"}


def segment_name(index: int, segment_format: SegmentFormat = "ts") -> str:
    """The file (and URL) name of segment ``index``: ``0.ts``, ``1.ts``, or ``0.m4s``."""
    return f"{index}.{EXTENSIONS[segment_format]}"


def segment_index(name: str) -> int | None:
    """The index a segment name stands for (``12.ts`` → 12); None for anything else."""
    match = _SEGMENT.match(name)
    return int(match.group(1)) if match else None


def subtitle_segment_name(index: int) -> str:
    """The name of a subtitle rendition's WebVTT segment ``index`` (Revenge's own, beside
    the contract's media segments on the same timeline)."""
    return f"{index}.vtt"


def subtitle_segment_index(name: str) -> int | None:
    """The index a WebVTT segment name stands for (``12.vtt`` → 12); None otherwise."""
    match = _SUBTITLE_SEGMENT.match(name)
    return int(match.group(1)) if match else None


def content_type(name: str) -> str:
    """The media type of a segment or init section, by its name."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def is_safe_id(part: str) -> bool:
    """Whether ``part`` may stand in a contract URL as an id or a name."""
    return bool(TRANSCODE_ID.match(part)) and part not in (".", "..")
