"""Which audio and subtitle tracks a session offers first, and what menus call them.

The player's explicit choice wins; else the user's preferred languages; else the file's
own default flags (several resolved to the first). Subtitles follow the "smart" rule
people expect: in the preferred subtitle language only when the audio is in another
language, else only a forced track (signs, foreign dialogue) in the audio's language.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from revenge.blackbeard.contract import AudioProfile
from revenge.playback.errors import InvalidRequest
from revenge.playback.labels import subtitle_labels
from revenge.playback.session import SessionOptions
from revenge.playback.sources import BURNABLE
from revenge.store.records import MediaRecord, Preferences
from revenge.subtitles.tracks import SubtitleTrack, subtitle_tracks

SUBTITLE_PREFIX = "subs-"


@attrs.frozen(kw_only=True)
class SubtitleRendition:
    """A text subtitle track as a master playlist offers it (``EXT-X-MEDIA:TYPE=SUBTITLES``)."""

    track: SubtitleTrack
    label: str
    default: bool = False

    @property
    def name(self) -> str:
        """Its rendition name in stream URLs: ``subs-{track number}``."""
        return f"{SUBTITLE_PREFIX}{self.track.number}"


def same_language(a: str | None, b: str | None) -> bool:
    """Whether two BCP 47 tags name one language (``en`` and ``en-GB`` do)."""
    if not a or not b:
        return False
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def default_audio(audio: Sequence[AudioProfile], *, chosen: int | None,
                  preferences: Preferences) -> AudioProfile | None:
    """The audio rendition a player starts with; ``chosen`` is a position in ``audio``."""
    if not audio:
        return None
    if chosen is not None:
        return audio[chosen]
    liked = [a for a in audio if same_language(a.language, preferences.audio_language)]
    candidates = liked or audio
    return next((a for a in candidates if a.default), candidates[0])


def subtitle_renditions(tracks: Sequence[SubtitleTrack], *, chosen: int | None,
                        preferences: Preferences,
                        audio_language: str | None) -> tuple[SubtitleRendition, ...]:
    """The text subtitle tracks as renditions, at most one of them shown by default."""
    labelled = [(t, label) for t, label in zip(tracks, subtitle_labels(tracks), strict=True)
                if t.text]
    text = [t for t, _ in labelled]
    default = _default_subtitle(text, chosen=chosen, preferences=preferences,
                                audio_language=audio_language)
    return tuple(SubtitleRendition(track=t, label=label, default=t is default)
                 for t, label in labelled)


def _default_subtitle(text: Sequence[SubtitleTrack], *, chosen: int | None,
                      preferences: Preferences,
                      audio_language: str | None) -> SubtitleTrack | None:
    if chosen is not None:
        return next((t for t in text if t.number == chosen), None)
    mode = preferences.subtitle_mode
    if mode == "off":
        return None
    wanted = preferences.subtitle_language
    if wanted and mode != "forced" and (
            mode == "always" or not same_language(wanted, audio_language)):
        full = [t for t in text if same_language(t.language, wanted) and not t.forced]
        if full:
            return next((t for t in full if not t.hearing_impaired), full[0])
    forced = next((t for t in text if t.forced and same_language(t.language, audio_language)),
                  None)
    if forced is not None or wanted or mode == "forced":
        return forced
    return next((t for t in text if t.default), None)


def check_choice(record: MediaRecord, options: SessionOptions) -> None:
    """Refuse track choices the media does not have."""
    if options.audio_track is not None and options.audio_track >= len(record.probe.audio):
        raise InvalidRequest("the media has no such audio track", code="unknown_audio_track")
    subtitles = subtitle_tracks(record)
    if options.subtitle_track is not None and options.subtitle_track >= len(subtitles):
        raise InvalidRequest("the media has no such subtitle track",
                             code="unknown_subtitle_track")
    if options.burn_subtitles:
        if options.subtitle_track is None:
            raise InvalidRequest("burn_subtitles needs a subtitle_track", code="bad_burn")
        chosen = subtitles[options.subtitle_track]
        if chosen.text:
            raise InvalidRequest("text subtitles are shown by the player; only picture "
                                 "subtitles are burned in", code="bad_burn")
        if chosen.codec not in BURNABLE:
            raise InvalidRequest(f"{chosen.codec} subtitles cannot be drawn", code="bad_burn")
        if record.probe.video is None:
            raise InvalidRequest("the media has no video to burn subtitles into",
                                 code="bad_burn")


def burned_track(record: MediaRecord, options: SessionOptions) -> SubtitleTrack | None:
    """The picture subtitle the session draws into its video, if it asked for one."""
    if not options.burn_subtitles or options.subtitle_track is None:
        return None
    return subtitle_tracks(record)[options.subtitle_track]
