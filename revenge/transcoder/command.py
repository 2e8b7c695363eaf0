"""The ffmpeg command line that makes one profile's segments from a given segment on.

Every segment of every profile covers the same span, ``[N*D, (N+1)*D)``: encoded video has
a keyframe forced at every multiple of ``D``, and the segment muxer cuts at the first
keyframe at or after each one. A run started at segment N seeks the input to ``N*D`` and
shifts its output timestamps by as much, so segments from different runs and profiles
splice into one timeline.
"""

from __future__ import annotations

from pathlib import Path

from revenge.blackbeard.contract import Profile, TranscodeRequest

# The segment muxer's CSV list of remuxed segments: ``name,start,end`` per finished segment.
CUTS = "cuts.csv"


def segment_file(index: int) -> str:
    """The file (and URL) name of segment ``index``: ``0.ts``, ``1.ts``, ..."""
    return f"{index}.ts"


def ffmpeg_arguments(
    *,
    ffmpeg: str,
    request: TranscodeRequest,
    profile: Profile,
    start: int,
    directory: Path,
    threads: int = 2,
    preset: str = "veryfast",
) -> list[str]:
    """The argv of an ffmpeg making ``profile`` from segment ``start`` into ``directory``."""
    d = request.segment_duration
    offset = f"{start * d:.6f}"
    # Verbose: the segment muxer reports each segment it ends and each file it opens.
    args = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "verbose"]
    # The source is an HTTP Range consumer's URL; a connection the server closed while
    # the encoder was paused (SIGSTOP) is reopened at the offset instead of ending the input.
    args += ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "4"]
    if request.source_headers:
        args += ["-headers",
                 "".join(f"{k}: {v}\r\n" for k, v in request.source_headers.items())]
    if start:
        args += ["-ss", offset]
    args += ["-i", request.source_url, "-map", "0:v:0", "-map", "0:a:0?",
             "-threads", str(threads), "-filter_threads", "1"]
    if profile.video_codec == "copy":
        # Cuts fall on the source's keyframes. Whether those sit on the segment boundaries
        # shows only as segments end: the list of cut times is checked (see Encoder).
        args += ["-c:v", "copy"]
    else:
        rate = profile.video_bitrate
        args += ["-c:v", "libx264", "-preset", preset, "-profile:v", "high",
                 "-b:v", str(rate), "-maxrate", str(rate), "-bufsize", str(rate * 2),
                 "-vf", f"scale=-2:{profile.height}", "-pix_fmt", "yuv420p",
                 "-force_key_frames", f"expr:gte(t,n_forced*{d})", "-sc_threshold", "0"]
    if profile.audio_codec == "copy":
        args += ["-c:a", "copy"]
    else:
        args += ["-c:a", "aac", "-b:a", str(profile.audio_bitrate), "-ac", "2"]
    args += ["-max_muxing_queue_size", "1024", "-f", "segment"]
    if profile.video_codec == "copy":
        args += ["-segment_list", str(directory / CUTS), "-segment_list_type", "csv"]
    args += ["-segment_time", f"{d}", "-segment_start_number", str(start),
             "-segment_format", "mpegts", "-output_ts_offset", offset,
             str(directory / "%d.ts")]
    return args
