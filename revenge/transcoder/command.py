"""The ffmpeg command line of one run: one rendition, or several H.264 variants sharing one
decode of the source, each from a given segment on.

Every segment of every rendition covers the same span of one timeline (``Timeline``):
ffmpeg reads with ``-copyts -start_at_zero``, so its timestamps *are* timeline seconds, and
MPEG-TS adds a fixed ``TS_OFFSET`` (its mux delay) to all of them alike. Video keyframes are
forced at the first frame of each segment and nowhere else; the segment muxer cuts at
thresholds given relative to the run's first packet, which this module knows exactly
(``Cuts``), so a segment made by any run holds the same frames as made by any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import attrs

from revenge.blackbeard.contract import AudioProfile, Rendition, TranscodeRequest, VideoProfile
from revenge.blackbeard.timeline import TS_OFFSET
from revenge.transcoder import picture, sound

# How long before a run's first frame a burning run starts reading, so that a caption on
# screen there is drawn: its packet came when it appeared, and captions seldom last 7 s.
SUBTITLE_LOOKBACK = 8.0
# One MPEG-TS muxer for a whole run, so continuity counters run on across its segments (each
# still opens with PAT and PMT); the run's first packets carry the discontinuity flag, which
# is what marks a seam between two runs to a demuxer. Mux delay and preload add up to the
# contract's TS_OFFSET, which subtitles' timestamp maps rest on.
_MUX = ["-avoid_negative_ts", "disabled", "-muxdelay", f"{TS_OFFSET / 2}",
        "-muxpreload", f"{TS_OFFSET / 2}",
        "-individual_header_trailer", "0", "-segment_format_options",
        "avoid_negative_ts=disabled:mpegts_flags=+initial_discontinuity"]


@attrs.frozen
class Command:
    """An ffmpeg argv; ``remux`` when it copies the source's video as it is."""

    argv: list[str]
    remux: bool = False


@attrs.frozen
class Part:
    """One rendition of a run: its segments from ``start`` on, written into ``directory``
    (a lower one, a run's warm-up lead, is thrown away)."""

    rendition: Rendition
    start: int
    directory: Path


def shareable(rendition: Rendition) -> bool:
    """Whether ``rendition`` can be made by one run beside others of its kind: an H.264
    encode of the plain picture, whose decoded frames the run splits between them."""
    return isinstance(rendition, VideoProfile) and rendition.codec != "copy" \
        and rendition.burn_subtitle is None


def command(request: TranscodeRequest, parts: Sequence[Part], *, ffmpeg: str,
            threads: int = 2, preset: str = "veryfast") -> Command:
    """The run making ``parts``: one rendition, or several ``shareable`` ones."""
    if len(parts) > 1:
        assert all(shareable(p.rendition) for p in parts)
        return _videos(request, parts, ffmpeg=ffmpeg, threads=threads, preset=preset)
    (part,) = parts
    rendition, start, directory = part.rendition, part.start, part.directory
    if isinstance(rendition, AudioProfile):
        return _audio(request, rendition, start, directory, ffmpeg=ffmpeg)
    if rendition.codec == "copy":
        return _remux(request, rendition, start, directory, ffmpeg=ffmpeg)
    return _video(request, rendition, start, directory, ffmpeg=ffmpeg, threads=threads,
                  preset=preset)


def _head(ffmpeg: str, request: TranscodeRequest, seek: float | None,
          decoding: Sequence[str] = ()) -> list[str]:
    """Everything up to the input, ``decoding`` (its decoders' options) just before it."""
    # Verbose: the segment muxer reports each segment it ends and each file it opens.
    args = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "verbose"]
    # The source is an HTTP Range consumer's URL; a connection the server closed while
    # the encoder was paused (SIGSTOP) is reopened at the offset instead of ending the input.
    args += ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "4"]
    if request.source_headers:
        args += ["-headers",
                 "".join(f"{k}: {v}\r\n" for k, v in request.source_headers.items())]
    # Timestamps stay the source's, less its start: timeline seconds. No accurate seek: the
    # filters cut at exact instants themselves, the same way in every run.
    args += ["-copyts", "-start_at_zero", "-noaccurate_seek"]
    if seek is not None and seek > 0:
        args += ["-ss", f"{seek:.6f}"]
    return [*args, *decoding, "-i", request.source_url]


def instants(times: Sequence[float]) -> str:
    """``times`` as an ffmpeg list, in microseconds and no trailing zeros: one argument of a
    command line holds at most 128 KiB (Linux), and a long film has thousands of cuts."""
    return ",".join(f"{t:.6f}".rstrip("0").rstrip(".") for t in times)


def _segments(directory: Path, *, number: int, cuts: list[float]) -> list[str]:
    """The segment muxer's options: cut at ``cuts`` (seconds after the first packet)."""
    args = ["-max_muxing_queue_size", "1024", *_MUX, "-f", "segment",
            "-segment_format", "mpegts", "-segment_start_number", str(number)]
    if cuts:
        args += ["-segment_times", instants(cuts)]
    else:  # one segment to the end
        args += ["-segment_time", "100000000"]
    return [*args, str(directory / "%d.ts")]


def _frames(request: TranscodeRequest, profile: VideoProfile,
            start: int) -> tuple[Fraction, list[float]]:
    """The variant's frame rate and the first frame instant of each segment from ``start``."""
    source = request.source.video
    assert source is not None
    rate = picture.output_rate(source.frame_rate, profile.frame_rate)
    return rate, [picture.grid_start(t, rate) for t in request.timeline.starts[start:]]


def _encoding(request: TranscodeRequest, profile: VideoProfile, start: int, directory: Path,
              *, threads: int, preset: str) -> list[str]:
    """The output options of an H.264 variant from segment ``start`` on: encoder, forced
    keyframes on the boundaries, and the segment muxer cutting there."""
    rate, frames = _frames(request, profile, start)
    first, half = frames[0], 0.5 / float(rate)
    args = ["-an", "-sn", "-dn", "-threads", str(threads)]
    args += picture.x264_arguments(profile, rate=rate, longest_segment=request.timeline.longest,
                                   preset=preset)
    # A quarter frame early: rounded to microseconds, each still names its frame, the first
    # at or after it, and never the one before.
    args += ["-force_key_frames", instants([max(0.0, t - half / 2) for t in frames])]
    return [*args, *_segments(directory, number=start,
                              cuts=[t - first - half for t in frames[1:]])]


def _video(request: TranscodeRequest, profile: VideoProfile, start: int, directory: Path, *,
           ffmpeg: str, threads: int, preset: str) -> Command:
    source = request.source.video
    assert source is not None
    rate, frames = _frames(request, profile, start)
    first = frames[0]
    seek = request.timeline.start(start) - request.source.preroll
    if profile.burn_subtitle is None:
        args = _head(ffmpeg, request, seek)
        args += ["-map", f"0:{source.index}", "-filter_threads", "1",
                 "-vf", picture.video_filters(source, profile, rate=rate, first_frame=first,
                                              end=request.duration)]
    else:
        # A caption shown before the seek point is drawn only if its packet is read: reach
        # back far enough for one, decoding frames that the fps filter then drops.
        subtitle = request.source.subtitle(profile.burn_subtitle)
        canvas = picture.subtitle_canvas(source, subtitle)
        args = _head(ffmpeg, request, seek - SUBTITLE_LOOKBACK,
                     ["-canvas_size", f"{canvas[0]}x{canvas[1]}"] if canvas else [])
        args += ["-filter_complex_threads", "1", "-filter_complex",
                 picture.burn_graph(source, profile, subtitle, rate=rate,
                                    first_frame=first, end=request.duration),
                 "-map", "[picture]"]
    args += _encoding(request, profile, start, directory, threads=threads, preset=preset)
    return Command(args)


def _videos(request: TranscodeRequest, parts: Sequence[Part], *, ffmpeg: str, threads: int,
            preset: str) -> Command:
    """One decode of the source split between several H.264 variants, each from its own
    first segment: the decode starts at the earliest, and each branch's frame-rate filter
    drops the frames before its own first one."""
    source = request.source.video
    assert source is not None
    branches = []
    for part in parts:
        assert isinstance(part.rendition, VideoProfile)
        rate, frames = _frames(request, part.rendition, part.start)
        branches.append((part.rendition, rate, frames[0]))
    seek = min(request.timeline.start(p.start) for p in parts) - request.source.preroll
    args = _head(ffmpeg, request, seek)
    args += ["-filter_complex_threads", "1", "-filter_complex",
             picture.split_graph(source, branches, end=request.duration)]
    for number, part in enumerate(parts):
        assert isinstance(part.rendition, VideoProfile)
        args += ["-map", f"[v{number}]",
                 *_encoding(request, part.rendition, part.start, part.directory,
                            threads=threads, preset=preset)]
    return Command(args)


def _remux(request: TranscodeRequest, profile: VideoProfile, start: int, directory: Path, *,
           ffmpeg: str) -> Command:
    source = request.source.video
    assert source is not None
    timeline = request.timeline
    frame = 1 / source.frame_rate
    begin = timeline.start(start)
    # Remuxed only from indexed containers, whose seeks land on the last keyframe at or
    # before the target: the one at the boundary, which aligned keyframes have within half
    # a frame of it.
    args = _head(ffmpeg, request, begin + frame / 2 if start else None)
    args += ["-map", f"0:{source.index}", "-an", "-sn", "-dn", "-c:v", "copy"]
    cuts = [t - begin - frame for t in timeline.starts[start + 1:]]
    return Command([*args, *_segments(directory, number=start, cuts=cuts)], remux=True)


def _audio(request: TranscodeRequest, profile: AudioProfile, start: int, directory: Path, *,
           ffmpeg: str) -> Command:
    track = request.source.track(profile.track)
    timeline = request.timeline
    begin = sound.run_start(timeline.start(start))
    # Sound alone starts the timeline with its first packet, the encoder's priming frame,
    # as players of audio-only streams take it: every packet one frame later, same grid.
    shift = 0 if request.video else sound.FRAME
    # The encoder's first packet is its priming frame, one frame before the first sample.
    first_packet = begin - sound.FRAME + shift
    cuts = [(sound.grid_ceil(t) - sound.FRAME / 2 - first_packet) / sound.SAMPLE_RATE
            for t in timeline.starts[max(start, 1):]]
    # Decoding sound is cheap: seek well before the lead, the filters cut exactly.
    seek = begin / sound.SAMPLE_RATE - max(request.source.preroll, 1.0) if start else None
    args = _head(ffmpeg, request, seek)
    args += ["-map", f"0:{track.index}", "-vn", "-sn", "-dn",
             "-af", sound.audio_filters(track, start=begin, end=request.duration),
             *sound.aac_arguments(profile)]
    if shift:
        args += ["-output_ts_offset", f"{shift / sound.SAMPLE_RATE:.6f}"]
    # A run after 0 opens with its lead, numbered one below its first real segment.
    number = start - 1 if start else 0
    return Command([*args, *_segments(directory, number=number, cuts=cuts)])
