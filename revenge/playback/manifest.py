"""Rewriting Blackbeard's HLS playlists so every URI routes through Revenge, signed.

Parsing and writing go through the ``m3u8`` library, never line regexes, so tags with URIs
(variants, renditions, init sections, keys) are all found.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import m3u8

from revenge.blackbeard.naming import INIT_SEGMENT, RENDITION, segment_index, subtitle_segment_name
from revenge.blackbeard.timeline import Timeline

if TYPE_CHECKING:
    from revenge.playback.tracks import SubtitleRendition

SUBTITLE_GROUP = "subs"


class ManifestError(ValueError):
    """A playlist from the transcoder is malformed or names something unsafe."""


def _variant_profile(uri: str) -> str:
    profile = uri.split("?", 1)[0].split("/", 1)[0]
    if not RENDITION.match(profile):
        raise ManifestError(f"unexpected variant URI {uri!r}")
    return profile


def rewrite_master(
    text: str, *, token: str, order: Callable[[Sequence[str]], Sequence[str]] | None = None,
    audio_default: str | None = None, subtitles: Sequence[SubtitleRendition] = (),
) -> str:
    """Point every variant at ``{profile}/index.m3u8?t=TOKEN`` (relative to the master).

    ``order`` receives the profiles present and returns those to keep, first choice first.
    ``audio_default`` names the audio rendition to mark ``DEFAULT=YES`` (the session's
    choice, not the file's); ``subtitles`` are added as one ``SUBTITLES`` group.
    """
    playlist = m3u8.loads(text)
    if not playlist.is_variant:
        raise ManifestError("not a master playlist")
    by_profile = {_variant_profile(v.uri): v for v in playlist.playlists}
    keep = [p for p in (order(list(by_profile)) if order else by_profile) if p in by_profile]
    for profile in keep:
        by_profile[profile].uri = f"{profile}/index.m3u8?t={token}"
    playlist.playlists[:] = [by_profile[p] for p in keep]
    for media in playlist.media:
        if media.uri:
            profile = _variant_profile(media.uri)
            media.uri = f"{profile}/index.m3u8?t={token}"
            if audio_default is not None and media.type == "AUDIO":
                media.default = "YES" if profile == audio_default else "NO"
    if subtitles:
        group = [_subtitle_media(r, token) for r in subtitles]
        playlist.media.extend(group)
        for variant in playlist.playlists:
            variant.media.extend(group)
    return str(playlist.dumps())


# RFC 8216 §4.3.4.1 CHARACTERISTICS of subtitles for the deaf and hard of hearing.
_SDH = ("public.accessibility.transcribes-spoken-dialog,"
        "public.accessibility.describes-music-and-sound")


def _subtitle_media(rendition: SubtitleRendition, token: str) -> m3u8.Media:
    track = rendition.track
    return m3u8.Media(
        uri=f"{rendition.name}/index.m3u8?t={token}", type="SUBTITLES",
        group_id=SUBTITLE_GROUP, language=track.language, name=quoted(rendition.label),
        default="YES" if rendition.default else "NO",
        # §4.3.4.1: DEFAULT=YES needs AUTOSELECT=YES; a forced track is picked by language.
        autoselect="YES", forced="YES" if track.forced else "NO",
        characteristics=_SDH if track.hearing_impaired else None)


def quoted(text: str) -> str:
    """A quoted-string attribute value: no double quotes or line breaks allowed."""
    return text.replace('"', "'").replace("\n", " ").replace("\r", " ")


def subtitle_playlist(timeline: Timeline, *, token: str) -> str:
    """A subtitle rendition's playlist: one WebVTT segment per span of the timeline."""
    lengths = [timeline.length(i) for i in range(timeline.count)]
    lines = ["#EXTM3U", "#EXT-X-VERSION:3",
             f"#EXT-X-TARGETDURATION:{max(1, math.floor(max(lengths) + 0.5))}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for index, length in enumerate(lengths):
        lines += [f"#EXTINF:{length:.6f},", f"{subtitle_segment_name(index)}?t={token}"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _name(uri: str) -> str:
    name = uri.split("?", 1)[0].rsplit("/", 1)[-1]
    if segment_index(name) is None and name != INIT_SEGMENT:
        raise ManifestError(f"unexpected segment URI {uri!r}")
    return name


def rewrite_media(text: str, *, token: str) -> str:
    """Point every segment, init section and key at ``{name}?t=TOKEN`` beside the playlist."""
    playlist = m3u8.loads(text)
    if playlist.is_variant:
        raise ManifestError("not a media playlist")
    for segment in playlist.segments:
        segment.uri = f"{_name(segment.uri)}?t={token}"
        if segment.init_section is not None and segment.init_section.uri:
            segment.init_section.uri = f"{_name(segment.init_section.uri)}?t={token}"
    for key in playlist.keys:
        if key is not None and key.uri:
            key.uri = f"{_name(key.uri)}?t={token}"
    return str(playlist.dumps())
