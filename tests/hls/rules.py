"""Rules one media playlist must keep on its own: tags, EXTINF, continuity, keyframes."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tests.hls.model import ERROR, WARNING, Finding, Playlist, Segment, Track

# EXTINF is written with a few decimals and MPEG-TS ticks are 1/90000 s: allow this much.
EPS = 0.0015
FIRST_FRAME_TOLERANCE = 0.040
REPEATS_SHOWN = 4  # findings of one rule in one playlist before they are summed up


@dataclass(frozen=True)
class Expect:
    """What the stream under test should be (the judge's brief)."""

    duration: float
    has_video: bool
    has_audio: bool
    segment_duration: float | None = None
    video_range: str | None = None
    aspect: float | None = None
    bootstrap: float = 0.0  # the first segment_duration seconds cut this often


def frame_of(track: Track) -> float:
    """One frame of ``track`` in seconds (25 fps, or an AAC frame, if it cannot tell)."""
    if track.frame_duration > 0:
        return track.frame_duration
    return 0.04 if track.kind == "video" else 1024 / 44100


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for messages."""
    return f"{seconds * 1000:.1f} ms"


def capped(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the first few findings of each (rule, playlist); count the rest in one more.

    A shifted rendition is misaligned in every segment; the first few say it all.
    """
    kept: list[Finding] = []
    hidden: dict[tuple[str, str, str], int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        key = (finding.severity, finding.rule, finding.where.split(" segment ")[0])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= REPEATS_SHOWN:
            kept.append(finding)
        else:
            hidden[key] = hidden.get(key, 0) + 1
    for (severity, rule, where), count in hidden.items():
        kept.append(Finding(severity, rule, where, f"... and {count} more like the above"))
    return kept


def at(playlist: Playlist, segment: Segment) -> str:
    """Where a segment is, for findings: its playlist, index and URI (query left off)."""
    return f"{playlist.label} segment {segment.index} ({segment.uri.split('?')[0]})"


def judge_playlist(playlist: Playlist, offset: float, expect: Expect) -> list[Finding]:
    """Every single-playlist rule, for one media playlist."""
    return capped([*_tags(playlist), *_extinf(playlist, offset), *_continuity(playlist),
                   *_decodable(playlist), *_total(playlist, expect)])


def _tags(p: Playlist) -> Iterator[Finding]:
    where = p.label
    if p.playlist_type != "VOD":
        yield Finding(ERROR, "playlist-type", where,
                      f"expected #EXT-X-PLAYLIST-TYPE:VOD, found {p.playlist_type or 'none'}")
    if not p.endlist:
        yield Finding(ERROR, "endlist", where, "expected #EXT-X-ENDLIST, found none")
    if not p.segments:
        yield Finding(ERROR, "segments", where, "expected segments, the playlist has none")
    if p.init_uri is not None and (p.version or 1) < 6:
        yield Finding(ERROR, "version", where, "expected #EXT-X-VERSION 6 or more for"
                      f" EXT-X-MAP, found {p.version or 'none (1)'}")
    if (p.version or 1) < 3 and any(s.extinf != int(s.extinf) for s in p.segments):
        yield Finding(ERROR, "version", where, "expected #EXT-X-VERSION 3 or more for"
                      f" decimal EXTINF, found {p.version or 'none (1)'}")
    for s in p.segments:
        if s.discontinuity:  # legal HLS, but the stream promises one timeline
            yield Finding(WARNING, "discontinuity", at(p, s), "expected one continuous"
                          " timeline, found #EXT-X-DISCONTINUITY before this segment")
    if p.target_duration is None:
        yield Finding(ERROR, "target-duration", where, "expected #EXT-X-TARGETDURATION")
        return
    for s in p.segments:
        rounded = math.floor(s.extinf + 0.5)
        if rounded > p.target_duration:
            yield Finding(ERROR, "target-duration", at(p, s),
                          f"EXTINF {s.extinf} rounds to {rounded} s; expected at most"
                          f" #EXT-X-TARGETDURATION:{p.target_duration}")


def _extinf(p: Playlist, offset: float) -> Iterator[Finding]:
    for s in p.segments:
        main = s.main
        if main is None:
            continue
        allowed = frame_of(main) + EPS
        if abs(s.extinf - main.duration) > allowed:
            yield Finding(ERROR, "extinf", at(p, s),
                          f"EXTINF {s.extinf:.6f} s; expected the {main.kind}'s span ±"
                          f"{ms(allowed)}, measured {main.duration:.6f} s"
                          f" ({main.start - offset:.3f}-{main.end - offset:.3f} s on the"
                          " timeline)")


def _pairs(p: Playlist) -> Iterator[tuple[Segment, Segment]]:
    measured = [s for s in p.segments if s.tracks]
    yield from itertools.pairwise(measured)


def _continuity(p: Playlist) -> Iterator[Finding]:
    """Per track: segment N+1 starts where segment N ended, and nothing is missing."""
    for before, after in _pairs(p):
        where = at(p, after)
        for kind in ("video", "audio"):
            a, b = before.track(kind), after.track(kind)
            if a is None or b is None:
                if a is not None or b is not None:
                    yield Finding(ERROR, "track-missing", where,
                                  f"expected {kind} in every segment; segment {before.index}"
                                  f" has {'some' if a else 'none'}, segment {after.index}"
                                  f" {'some' if b else 'none'}")
                continue
            step, allowed = b.start - a.end, frame_of(a) + EPS
            if step > allowed:
                yield Finding(ERROR, "gap", where, f"expected {kind} to start where segment"
                              f" {before.index} ended ({a.end:.6f} s raw) ±{ms(allowed)};"
                              f" it starts {ms(step)} later ({b.start:.6f} s)")
            elif step < -allowed:
                yield Finding(ERROR, "overlap", where, f"expected {kind} to start where"
                              f" segment {before.index} ended ({a.end:.6f} s raw)"
                              f" ±{ms(allowed)}; it starts {ms(-step)} earlier"
                              f" ({b.start:.6f} s)")
    for s in p.segments:
        for t in s.tracks:
            allowed = frame_of(t) * (1 if t.kind == "audio" else 2) + EPS
            if t.max_gap > allowed:
                yield Finding(ERROR if t.kind == "audio" else WARNING, f"{t.kind}-gap",
                              at(p, s), f"expected {t.kind} frames back to back (holes up"
                              f" to {ms(allowed)}), found a {ms(t.max_gap)} hole")


def _decodable(p: Playlist) -> Iterator[Finding]:
    """Each segment starts with a keyframe and decodes on its own from its first frame."""
    for s in p.segments:
        where = at(p, s)
        video = s.track("video")
        if video is not None and not video.first_is_key:
            yield Finding(ERROR, "keyframe", where, "expected the first video frame to be a"
                          " keyframe, it is not")
        if video is not None and video.parameter_sets is False:
            yield Finding(WARNING, "parameter-sets", where, "the first keyframe carries no"
                          " SPS/PPS in band; a player joining here cannot decode")
        for t in s.tracks:
            if t.decoded_from_start is False:
                yield Finding(ERROR, "decode", where, f"expected the {t.kind} to decode"
                              f" from the segment's first frame alone: {t.decode_note}")


def _total(p: Playlist, expect: Expect) -> Iterator[Finding]:
    mains = [s.main for s in p.segments if s.main is not None]
    frame = frame_of(mains[0]) if mains else 0.04
    allowed = 2 * frame + EPS
    if abs(p.extinf_total - expect.duration) > allowed:
        yield Finding(ERROR, "duration", p.label,
                      f"EXTINF durations add up to {p.extinf_total:.6f} s, expected"
                      f" {expect.duration:.6f} s ±{ms(allowed)}")
