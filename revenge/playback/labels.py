"""What track menus call audio and subtitle tracks: titles, else languages' names, told
apart when two would read the same."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from revenge.library.language_names import language_name
from revenge.store.records import StreamInfo

if TYPE_CHECKING:
    from revenge.subtitles.tracks import SubtitleTrack


def unique_labels(labels: Sequence[str]) -> list[str]:
    """``labels`` with repeats told apart by their position (``English (2)``)."""
    seen: set[str] = set()
    out = []
    for number, label in enumerate(labels, start=1):
        while label in seen:
            label = f"{label} ({number})"
        seen.add(label)
        out.append(label)
    return out


_LAYOUTS = {1: "Mono", 2: "Stereo", 6: "5.1", 8: "7.1"}


def audio_labels(tracks: Sequence[StreamInfo]) -> list[str]:
    """Menu names of audio tracks: the title, else the language's name; two tracks that
    would share a name are told apart by their channels (``English 5.1``, ``English
    Stereo``), then by position."""
    names = [(t.title or language_name(t.language) or f"Track {n}")[:100]
             for n, t in enumerate(tracks, start=1)]
    repeated = Counter(names)
    names = [f"{name} {_LAYOUTS.get(t.channels or 2, f'{t.channels} channels')}"
             if repeated[name] > 1 else name for name, t in zip(names, tracks, strict=True)]
    return unique_labels(names)


def subtitle_label(track: SubtitleTrack) -> str:
    """A menu name: its title, else its language's name, with what kind it is."""
    label = track.title or language_name(track.language) or track.language or \
        f"Subtitles {track.number + 1}"
    marks = [m for m, on in (("Forced", track.forced), ("SDH", track.hearing_impaired))
             if on and m.lower() not in label.lower()]
    return f"{label} ({', '.join(marks)})" if marks else label
