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


_SUBTITLE_KINDS = {"subrip": "SRT", "srt": "SRT", "ass": "ASS", "ssa": "SSA",
                   "mov_text": "MP4 text", "webvtt": "WebVTT", "vtt": "WebVTT",
                   "hdmv_pgs_subtitle": "PGS", "dvd_subtitle": "VobSub",
                   "dvb_subtitle": "DVB"}


def subtitle_labels(tracks: Sequence[SubtitleTrack]) -> list[str]:
    """Menu names of a media's subtitle tracks (all of them, so that the API and the
    playlists agree): two that would read the same are told apart by what they are
    (``English`` embedded beside ``English (SRT file)``), then by position. A picture
    track that shares a text track's name takes the mark, since playlists list text only."""
    plain = [subtitle_label(t) for t in tracks]
    everywhere = Counter(plain)
    among_text = Counter(label for t, label in zip(tracks, plain, strict=True) if t.text)
    return unique_labels([
        subtitle_label(t, kind=True) if (among_text if t.text else everywhere)[label] > 1
        else label for t, label in zip(tracks, plain, strict=True)])


def subtitle_label(track: SubtitleTrack, *, kind: bool = False) -> str:
    """A menu name: its title, else its language's name, with what kind it is."""
    label = track.title or language_name(track.language) or track.language or \
        f"Subtitles {track.number + 1}"
    marks = [m for m, on in (("Forced", track.forced), ("SDH", track.hearing_impaired))
             if on and m.lower() not in label.lower()]
    if kind:
        name = _SUBTITLE_KINDS.get(track.codec, track.codec)
        marks.append(f"{name} file" if track.sidecar else name)
    return f"{label} ({', '.join(marks)})" if marks else label
