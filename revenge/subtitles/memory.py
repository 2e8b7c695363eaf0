"""The cues of recently asked tracks, parsed, in memory: a subtitle playlist asks for them
once per segment, and each answer must not mean a file read."""

from __future__ import annotations

from collections import OrderedDict

from revenge.subtitles.cache import Entry
from revenge.subtitles.webvtt import Cue

# What a cue costs beyond its text (the object, its floats, the tuple slot), roughly.
_CUE_OVERHEAD = 200


def cues_bytes(cues: tuple[Cue, ...]) -> int:
    """About how much memory ``cues`` take."""
    return sum(_CUE_OVERHEAD + len(c.text) + len(c.settings) for c in cues)


class CueMemory:
    """Parsed tracks by ``Entry``, at most ``max_bytes`` of them (least recently used go)."""

    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._tracks: OrderedDict[Entry, tuple[tuple[Cue, ...], int]] = OrderedDict()

    def get(self, entry: Entry) -> tuple[Cue, ...] | None:
        """The cues kept for ``entry``, if any."""
        found = self._tracks.get(entry)
        if found is None:
            return None
        self._tracks.move_to_end(entry)
        return found[0]

    def put(self, entry: Entry, cues: tuple[Cue, ...]) -> None:
        """Keep ``cues``; older tracks go while over the bound (never the one just put)."""
        self._pop(entry)
        size = cues_bytes(cues)
        self._tracks[entry] = (cues, size)
        self.bytes += size
        while self.bytes > self.max_bytes and len(self._tracks) > 1:
            self._pop(next(iter(self._tracks)))

    def forget(self, media_id: str) -> None:
        """Drop every track of ``media_id``."""
        for entry in [e for e in self._tracks if e.media_id == media_id]:
            self._pop(entry)

    def _pop(self, entry: Entry) -> None:
        found = self._tracks.pop(entry, None)
        if found is not None:
            self.bytes -= found[1]
