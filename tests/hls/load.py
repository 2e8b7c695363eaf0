"""Fetch playlists and segments over HTTP and turn them into measured :class:`Playlist`s."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import av
import m3u8

from tests.hls.measure import measure
from tests.hls.model import ERROR, WARNING, Finding, Playlist, Segment

PLAYLIST_TYPES = ("application/vnd.apple.mpegurl", "audio/mpegurl")


@dataclass(frozen=True)
class HttpAnswer:
    """A finished HTTP response, as far as the checker cares."""

    status: int
    content_type: str
    body: bytes


HttpGet = Callable[[str], HttpAnswer]


def urllib_get(url: str) -> HttpAnswer:
    """GET ``url`` with urllib; an error status is an answer, not an exception."""
    try:
        # Generous: a transcoding server may hold a segment request until it is written.
        with urllib.request.urlopen(url, timeout=120) as answer:
            return HttpAnswer(answer.status, answer.headers.get("Content-Type", ""),
                              answer.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, error.headers.get("Content-Type", ""), error.read())


class Fetcher:
    """Fetches URLs, keeping the answers asked to be kept (init sections, byte ranges).

    Segments are not kept: a two-hour ladder would not fit in memory.
    """

    def __init__(self, http_get: HttpGet) -> None:
        self._get = http_get
        self._kept: dict[str, HttpAnswer] = {}

    def get(self, url: str, *, keep: bool = False) -> HttpAnswer:
        """The answer for ``url``: fetched now, or kept from before."""
        if url in self._kept:
            return self._kept[url]
        answer = self._get(url)
        if keep:
            self._kept[url] = answer
        return answer

    def playlist(self, url: str, where: str) -> tuple[m3u8.M3U8 | None, str, list[Finding]]:
        """Fetch and parse a playlist; findings for a bad status, type or first line."""
        answer = self.get(url)
        if answer.status != 200:
            return None, "", [Finding(ERROR, "fetch", where,
                                      f"expected status 200 for {url}, got {answer.status}")]
        text = answer.body.decode("utf-8", errors="replace")
        findings = []
        kind = answer.content_type.split(";")[0].strip().lower()
        if kind not in PLAYLIST_TYPES:
            named = urlsplit(url).path.lower().endswith((".m3u8", ".m3u"))
            findings.append(Finding(
                WARNING if named else ERROR, "content-type", where,
                f"expected Content-Type application/vnd.apple.mpegurl, got {kind!r}"))
        if not text.startswith("#EXTM3U"):
            findings.append(Finding(ERROR, "syntax", where,
                                    f"expected #EXTM3U on the first line, got {text[:20]!r}"))
        return m3u8.loads(text), text, findings


def _byterange(spec: str | None, previous_end: int) -> tuple[int, int] | None:
    """(offset, length) of an EXT-X-BYTERANGE value ``length[@offset]``."""
    if not spec:
        return None
    length, _, offset = spec.partition("@")
    return (int(offset) if offset else previous_end), int(length)


def _body(fetcher: Fetcher, url: str, span: tuple[int, int] | None, *,
          keep: bool = False) -> bytes | str:
    """The bytes of ``url`` (or of its byte range), or why they could not be had."""
    answer = fetcher.get(url, keep=keep or span is not None)
    if answer.status != 200:
        return f"expected status 200 for {url}, got {answer.status}"
    if span is None:
        return answer.body
    start, length = span
    if start + length > len(answer.body):
        return (f"expected byte range {length}@{start} within the {len(answer.body)} bytes"
                f" of {url}")
    return answer.body[start:start + length]


def load_playlist(fetcher: Fetcher, url: str, *, label: str, role: str,
                  decode_all: bool) -> tuple[Playlist | None, list[Finding]]:
    """Fetch a media playlist, every segment and init section it names, and measure them."""
    parsed, text, findings = fetcher.playlist(url, label)
    if parsed is None:
        return None, findings
    segments, init_uri = [], None
    ends: dict[str, int] = {}  # where each byte-ranged URL's last range ended
    for index, entry in enumerate(parsed.segments):
        where = f"{label} segment {index} ({entry.uri.split('?')[0]})"
        segment_url = urljoin(url, entry.uri)
        span = _byterange(entry.byterange, ends.get(segment_url, 0))
        if span is not None:
            ends[segment_url] = span[0] + span[1]
        init: bytes | None = None
        if entry.init_section is not None:
            init_uri = urljoin(url, entry.init_section.uri)
            got = _body(fetcher, init_uri, _byterange(entry.init_section.byterange, 0),
                        keep=True)
            if isinstance(got, str):
                findings.append(Finding(ERROR, "fetch", f"{label} init section", got))
                segments.append(Segment(index, entry.uri, entry.duration, 0, error=got))
                continue
            init = got
        segment, problem = _segment(fetcher, index, entry, segment_url, span, init,
                                    decode_all)
        if problem:
            findings.append(Finding(ERROR, problem[0], where, problem[1]))
        segments.append(segment)
    playlist = Playlist(
        label=label, uri=url, role=role, text=text, target_duration=parsed.target_duration,
        version=parsed.version, playlist_type=(parsed.playlist_type or "").upper() or None,
        endlist=parsed.is_endlist, init_uri=init_uri, segments=tuple(segments))
    return playlist, findings


def _segment(fetcher: Fetcher, index: int, entry: m3u8.Segment, url: str,
             span: tuple[int, int] | None, init: bytes | None,
             decode_all: bool) -> tuple[Segment, tuple[str, str] | None]:
    """Fetch and measure one segment; the problem (rule, message) if it fails."""
    got = _body(fetcher, url, span)
    if isinstance(got, str):
        return Segment(index, entry.uri, entry.duration, 0, error=got), ("fetch", got)
    try:
        tracks = measure(got, init, decode_all=decode_all)
    except (av.error.FFmpegError, ValueError, IndexError) as error:
        why = f"expected a segment PyAV can demux; {len(got)} bytes from {url}: {error}"
        return Segment(index, entry.uri, entry.duration, len(got), error=why), ("demux", why)
    if not tracks:
        why = f"expected audio or video packets, found none in {len(got)} bytes from {url}"
        return Segment(index, entry.uri, entry.duration, len(got), error=why), ("demux", why)
    return Segment(index, entry.uri, entry.duration, len(got), tracks,
                   discontinuity=bool(entry.discontinuity)), None
