"""Rewriting Blackbeard's HLS playlists so every URI routes through Revenge, signed.

Parsing and writing go through the ``m3u8`` library, never line regexes, so tags with URIs
(variants, renditions, init sections, keys) are all found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import m3u8

from revenge.blackbeard.naming import INIT_SEGMENT, RENDITION, segment_index


class ManifestError(ValueError):
    """A playlist from the transcoder is malformed or names something unsafe."""


def _variant_profile(uri: str) -> str:
    profile = uri.split("?", 1)[0].split("/", 1)[0]
    if not RENDITION.match(profile):
        raise ManifestError(f"unexpected variant URI {uri!r}")
    return profile


def rewrite_master(
    text: str, *, token: str, order: Callable[[Sequence[str]], Sequence[str]] | None = None
) -> str:
    """Point every variant at ``{profile}/index.m3u8?t=TOKEN`` (relative to the master).

    ``order`` receives the profiles present and returns those to keep, first choice first.
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
            media.uri = f"{_variant_profile(media.uri)}/index.m3u8?t={token}"
    return str(playlist.dumps())


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
