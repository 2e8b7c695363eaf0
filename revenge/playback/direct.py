"""Direct play: whether a player can take the original file as it is."""

from __future__ import annotations

import attrs

from revenge.store.records import MediaRecord


@attrs.frozen
class ClientCapabilities:
    """What a player says it can play directly (lower-case names)."""

    containers: frozenset[str] = frozenset()
    video_codecs: frozenset[str] = frozenset()
    audio_codecs: frozenset[str] = frozenset()


def can_direct_play(
    record: MediaRecord, client: ClientCapabilities, max_bitrate: int | None
) -> bool:
    """True when the container and every audio/video codec suit the player, within its
    bitrate limit."""
    probe = record.probe
    if not set((probe.container or "").split(",")) & client.containers:
        return False
    for stream in probe.streams:
        if stream.kind == "video" and stream.codec not in client.video_codecs:
            return False
        if stream.kind == "audio" and stream.codec not in client.audio_codecs:
            return False
    return max_bitrate is None or (probe.bitrate or 0) <= max_bitrate
