"""The values the HLS checker measures and reports: tracks, segments, playlists, findings."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Track:
    """What one elementary stream of one segment really holds.

    Times are seconds on the segment's own clock (before the stream's offset is taken
    off): ``start`` is the earliest presentation time, ``end`` the latest one plus that
    frame's duration.
    """

    kind: str
    codec: str
    codec_string: str | None
    start: float
    end: float
    frames: int
    frame_duration: float
    max_gap: float
    first_is_key: bool
    width: int = 0
    height: int = 0
    sar: Fraction = Fraction(1)
    rotation: int = 0
    transfer: str | None = None
    primaries: str | None = None
    matrix: str | None = None
    sample_rate: int = 0
    channels: int = 0
    decoded_from_start: bool | None = None
    decode_note: str = ""
    parameter_sets: bool | None = None

    @property
    def duration(self) -> float:
        """The time span the track covers in this segment."""
        return self.end - self.start


@dataclass(frozen=True)
class Segment:
    """One media segment: what the playlist says of it and what it holds."""

    index: int
    uri: str
    extinf: float
    size: int
    tracks: tuple[Track, ...] = ()
    error: str | None = None
    discontinuity: bool = False

    def track(self, kind: str) -> Track | None:
        """The first track of ``kind`` ("video" or "audio"), if the segment has one."""
        return next((t for t in self.tracks if t.kind == kind), None)

    @property
    def main(self) -> Track | None:
        """The track that times the segment: its video, else its audio."""
        return self.track("video") or self.track("audio")


@dataclass(frozen=True)
class Playlist:
    """A media playlist as fetched, parsed and measured."""

    label: str
    uri: str
    role: str
    text: str
    target_duration: float | None
    version: int | None
    playlist_type: str | None
    endlist: bool
    init_uri: str | None
    segments: tuple[Segment, ...]

    @property
    def extinf_total(self) -> float:
        """The sum of the segments' EXTINF durations."""
        return sum(segment.extinf for segment in self.segments)

    @property
    def bytes_total(self) -> int:
        """The sum of the segments' sizes (init section not included)."""
        return sum(segment.size for segment in self.segments)


@dataclass(frozen=True)
class Finding:
    """One violation (or notable fact) the checker found."""

    severity: str
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.rule} @ {self.where}: {self.message}"


@dataclass(frozen=True)
class VariantFigures:
    """What the checker measured of one variant (its own segments, plus its audio group)."""

    label: str
    uri: str
    peak_bitrate: float
    average_bitrate: float
    resolution: tuple[int, int] | None
    display_aspect: float | None
    codecs: tuple[str, ...]
    frame_rate: float | None
    transfer: str | None
    primaries: str | None
    matrix: str | None
    video_range: str | None


@dataclass(frozen=True)
class FfmpegRead:
    """What ffmpeg's own HLS demuxer made of the whole stream."""

    returncode: int
    duration: float | None
    warnings: tuple[str, ...]
    errors: tuple[str, ...]
    audio_packets: int
    audio_span: float | None
    audio_max_gap: float | None


@dataclass(frozen=True, repr=False)
class Report:
    """The judge's verdict on one HLS stream: findings, and the figures behind them.

    Its ``str`` (and ``repr``, so that an ``assert report.ok, report`` reads well) lists
    the measured figures of each variant and every finding.
    """

    master_url: str
    offset: float | None
    findings: tuple[Finding, ...]
    variants: tuple[VariantFigures, ...] = ()
    playlists: tuple[Playlist, ...] = ()
    ffmpeg: FfmpegRead | None = None

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity error."""
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def ok(self) -> bool:
        """True when nothing of severity error was found."""
        return not self.errors

    def rules(self, severity: str = ERROR) -> set[str]:
        """The rules broken at ``severity``."""
        return {f.rule for f in self.findings if f.severity == severity}

    def __str__(self) -> str:
        lines = [f"HLS check of {self.master_url}: {'OK' if self.ok else 'FAILED'}"
                 f" ({len(self.errors)} errors, {len(self.findings)} findings);"
                 f" timestamp offset {_seconds(self.offset)}"]
        for v in self.variants:
            lines.append(
                f"  {v.label} {v.uri}: {_size(v.resolution)} aspect {_num(v.display_aspect)}"
                f" {','.join(v.codecs)} {_num(v.frame_rate)} fps, peak"
                f" {v.peak_bitrate / 1000:.0f} kb/s, average {v.average_bitrate / 1000:.0f}"
                f" kb/s, transfer {v.transfer} primaries {v.primaries} matrix {v.matrix}")
        if self.ffmpeg is not None:
            f = self.ffmpeg
            lines.append(f"  ffmpeg read: exit {f.returncode}, {_seconds(f.duration)},"
                         f" {len(f.warnings)} warnings, {len(f.errors)} errors,"
                         f" {f.audio_packets} audio packets over {_seconds(f.audio_span)}")
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)

    __repr__ = __str__


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.3f} s"


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:.3f}"


def _size(size: tuple[int, int] | None) -> str:
    return "no video" if size is None else f"{size[0]}x{size[1]}"
