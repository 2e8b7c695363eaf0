"""The complete VOD playlists of a transcode, known from the start (fixed segment times)."""

from __future__ import annotations

import math

from revenge.blackbeard.contract import Profile, TranscodeRequest
from revenge.transcoder.command import segment_file

# H.264 High up to level 4.0 and AAC-LC: what libx264/aac make here, and what the caller
# offers ``copy`` for (it remuxes only H.264/AAC sources).
CODECS = "avc1.640028,mp4a.40.2"


def _width(profile: Profile) -> int:
    # The source's aspect is not in the request; 16:9 is the common case, and players use
    # RESOLUTION only to cap variants to their viewport.
    return 2 * round(profile.height * 16 / 9 / 2)


def master_playlist(request: TranscodeRequest) -> str:
    """One variant per profile, in the order the caller gave them."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for profile in request.profiles:
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={profile.bandwidth},"
                     f"RESOLUTION={_width(profile)}x{profile.height},CODECS=\"{CODECS}\"")
        lines.append(f"{profile.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def media_playlist(request: TranscodeRequest) -> str:
    """Every segment from the first, each ``segment_duration`` long but a short last one."""
    d = request.segment_duration
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{math.ceil(d)}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    for index in range(request.segment_count):
        length = min(d, request.duration - index * d)
        lines += [f"#EXTINF:{length:.3f},", segment_file(index)]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
