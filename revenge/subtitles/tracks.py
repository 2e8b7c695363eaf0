"""A media's subtitle tracks, numbered as the API numbers them.

The list holds the embedded subtitle streams (text and picture) in stream order, then the
sidecar files sorted by file name; a track's ``number`` is its position in it.
"""

from __future__ import annotations

import re

import attrs

from revenge.store.records import MediaRecord, Sidecar, StreamInfo
from revenge.subtitles.sidecars import parse_sidecar_name

_HEARING_IMPAIRED = re.compile(r"\b(sdh|cc|hoh|hearing[ -]impaired)\b", re.IGNORECASE)
_FORCED = re.compile(r"\bforced\b", re.IGNORECASE)


@attrs.frozen(kw_only=True)
class SubtitleTrack:
    """One subtitle track of a media: embedded (``stream_index``) or a file (``sidecar``)."""

    number: int  # position in the media's subtitle list
    codec: str  # subrip, ass, mov_text, webvtt, hdmv_pgs_subtitle, ...
    text: bool  # False: a picture subtitle (burn-in only)
    language: str | None  # BCP 47
    title: str | None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False  # SDH / CC
    stream_index: int | None = None  # embedded: the stream index
    sidecar: str | None = None  # a sidecar: its absolute path


def subtitle_tracks(record: MediaRecord) -> tuple[SubtitleTrack, ...]:
    """Every subtitle track of ``record``, embedded ones first."""
    embedded = [s for s in record.probe.streams if s.kind == "subtitle"]
    tracks = [_embedded(number, s) for number, s in enumerate(embedded)]
    tracks += [_sidecar(len(tracks) + i, record.path, s) for i, s in enumerate(record.sidecars)]
    return tuple(tracks)


def _embedded(number: int, stream: StreamInfo) -> SubtitleTrack:
    title = stream.title
    return SubtitleTrack(
        number=number, codec=stream.codec or "unknown", text=stream.text is True,
        language=stream.language, title=title, default=stream.default,
        # Muxers without a forced flag (MP4, older mkvmerge) leave it to the title.
        forced=stream.forced or bool(title and _FORCED.search(title)),
        hearing_impaired=bool(title and _HEARING_IMPAIRED.search(title)),
        stream_index=stream.index)


def _sidecar(number: int, video: str, sidecar: Sidecar) -> SubtitleTrack:
    name = parse_sidecar_name(video, sidecar.path)
    return SubtitleTrack(
        number=number, codec=name.codec, text=True, language=name.language, title=name.title,
        default=name.default, forced=name.forced, hearing_impaired=name.hearing_impaired,
        sidecar=sidecar.path)
