"""Rules of the shared timeline: one offset, first frames at 0, aligned segments, coverage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from revenge.blackbeard.timeline import Timeline
from tests.hls.model import ERROR, WARNING, Finding, Playlist, Track
from tests.hls.rules import EPS, FIRST_FRAME_TOLERANCE, Expect, at, capped, frame_of, ms


def stream_offset(playlists: Sequence[Playlist]) -> float | None:
    """The raw time of timeline 0: where the first playlist's first segment starts.

    MPEG-TS muxers add a constant (1.4 s for ffmpeg's, 10 s for some encoders); every
    playlist of the stream must carry the same one, so the first segment's decides.
    """
    for playlist in playlists[:1]:
        for segment in playlist.segments:
            if segment.main is not None:
                return segment.main.start
    return None


def judge_timeline(playlists: Sequence[Playlist], offset: float,
                   expect: Expect) -> list[Finding]:
    """The cross-playlist and whole-stream timing rules."""
    found = [*_first_frames(playlists, offset), *_present(playlists, expect)]
    for playlist in playlists[1:]:
        found += _aligned(playlists[0], playlist)
    for playlist in playlists:
        found += _ends(playlist, offset, expect)
        if expect.segment_duration is not None:
            grid = Timeline(expect.duration, expect.segment_duration, expect.bootstrap)
            found += _grid(playlist, offset, grid)
    return capped(found)


def _first_allowed(track: Track) -> float:
    """How far from 0 a track's first frame may be.

    Audio may lead by its first frame: AAC's priming frame (encoder delay) is in the
    stream, and MPEG-TS cannot say to skip it; at 8 kHz that frame lasts 128 ms.
    """
    if track.kind == "audio":
        return max(FIRST_FRAME_TOLERANCE, frame_of(track) + EPS)
    return FIRST_FRAME_TOLERANCE


def _first_frames(playlists: Sequence[Playlist], offset: float) -> Iterator[Finding]:
    """Each playlist's first video and audio frames sit at 0, within 40 ms, together."""
    for playlist in playlists:
        first = next((s for s in playlist.segments if s.tracks), None)
        if first is None:
            continue
        where = at(playlist, first)
        for track in first.tracks:
            late, allowed = track.start - offset, _first_allowed(track)
            if abs(late) > allowed:
                yield Finding(ERROR, "first-frame", where,
                              f"first {track.kind} frame at {late:+.3f} s on the timeline"
                              f" (raw {track.start:.3f} s, offset {offset:.3f} s); expected"
                              f" 0 ±{ms(allowed)}")
        video, audio = first.track("video"), first.track("audio")
        if video and audio and abs(video.start - audio.start) > _first_allowed(audio):
            yield Finding(ERROR, "first-frame", where,
                          f"video starts at {video.start:.3f} s, audio at {audio.start:.3f}"
                          f" s: {ms(abs(video.start - audio.start))} apart, expected within"
                          f" {ms(_first_allowed(audio))}")


def _aligned(reference: Playlist, other: Playlist) -> Iterator[Finding]:
    """Segment N of ``other`` covers the same time as segment N of ``reference``."""
    if len(other.segments) != len(reference.segments):
        yield Finding(ERROR, "align", other.label,
                      f"expected {len(reference.segments)} segments like {reference.label},"
                      f" found {len(other.segments)}")
    for ours, theirs in zip(reference.segments, other.segments, strict=False):
        a, b = ours.main, theirs.main
        if a is None or b is None:
            continue
        allowed = max(frame_of(a), frame_of(b)) + EPS
        for edge, x, y in (("starts", a.start, b.start), ("ends", a.end, b.end)):
            if abs(y - x) > allowed:
                yield Finding(ERROR, "align", at(other, theirs),
                              f"expected the {b.kind} to {edge[:-1]} with {reference.label}'s"
                              f" {a.kind} ({x:.6f} s raw) ±{ms(allowed)}; it {edge} at"
                              f" {y:.6f} s, {ms(y - x)} off")


def _grid(p: Playlist, offset: float, grid: Timeline) -> Iterator[Finding]:
    """Segment N covers the grid's ``[start(N), end(N))``: every one but the last is that
    long (its EXTINF), starts there (its frames), and the EXTINFs before it add up to it."""
    elapsed = 0.0
    for s in p.segments:
        main, where = s.main, at(p, s)
        allowed = (frame_of(main) if main else 0.04) + EPS
        last = s.index == len(p.segments) - 1
        start = grid.start(min(s.index, grid.count - 1))
        length = grid.length(s.index) if s.index < grid.count else grid.segment
        if not last and abs(s.extinf - length) > allowed:
            yield Finding(ERROR, "segment-duration", where, f"EXTINF {s.extinf:.6f} s,"
                          f" expected the segment duration {length:.6f} s ±{ms(allowed)}")
        if abs(elapsed - start) > allowed:
            yield Finding(ERROR, "segment-grid", where,
                          f"the EXTINFs before it add up to {elapsed:.6f} s, expected"
                          f" {start:.6f} s ±{ms(allowed)}")
        if main is not None and abs(main.start - offset - start) > allowed:
            yield Finding(ERROR, "segment-grid", where,
                          f"starts at {main.start - offset:.6f} s on the timeline, expected"
                          f" {start:.6f} s ±{ms(allowed)}")
        elapsed += s.extinf


def _last(p: Playlist, kind: str) -> Track | None:
    found = [s.track(kind) for s in p.segments]
    return next((t for t in reversed(found) if t is not None), None)


def _ends(p: Playlist, offset: float, expect: Expect) -> Iterator[Finding]:
    """Video and audio run to the expected duration: nothing is missing at the end."""
    for kind in ("video", "audio"):
        last = _last(p, kind)
        if last is None:
            continue
        allowed = 2 * frame_of(last) + EPS
        end = last.end - offset
        if abs(end - expect.duration) > allowed:
            yield Finding(ERROR, f"{kind}-coverage", p.label,
                          f"{kind} ends at {end:.6f} s on the timeline, expected"
                          f" {expect.duration:.6f} s ±{ms(allowed)}")


def _has(playlists: Sequence[Playlist], kind: str) -> bool:
    return any(s.track(kind) for p in playlists for s in p.segments)


def _present(playlists: Sequence[Playlist], expect: Expect) -> Iterator[Finding]:
    """The stream has video and audio exactly when it should."""
    for kind, wanted in (("video", expect.has_video), ("audio", expect.has_audio)):
        found = _has(playlists, kind)
        if wanted and not found:
            yield Finding(ERROR, f"no-{kind}", "stream", f"expected {kind}; no segment of"
                          " any checked playlist has any")
        elif found and not wanted:
            yield Finding(WARNING, f"unexpected-{kind}", "stream",
                          f"expected no {kind}, but segments carry {kind}")
