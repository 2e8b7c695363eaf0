"""The complete VOD playlists of a transcode, known from the start (fixed segment times)."""

from __future__ import annotations

import math

from revenge.blackbeard.contract import TranscodeRequest

CODECS = "avc1.640028,mp4a.40.2"


def master_playlist(request: TranscodeRequest) -> str:
    """One variant per profile, best first."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for profile in request.profiles:
        width = 2 * round(profile.height * 16 / 9 / 2)
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={profile.bandwidth},"
                     f"RESOLUTION={width}x{profile.height},CODECS=\"{CODECS}\"")
        lines.append(f"{profile.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def media_playlist(request: TranscodeRequest) -> str:
    """Every segment from the first, with its duration; the last one may be short."""
    d = request.segment_duration
    count = request.segment_count
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{math.ceil(d)}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for index in range(count):
        length = min(d, request.duration - index * d)
        lines.append(f"#EXTINF:{length:.3f},")
        lines.append(f"{index}.ts")
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
