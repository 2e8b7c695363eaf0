"""A session's tracks: the audio it starts with, the subtitles its master offers, and
what its player asks for first."""

from __future__ import annotations

from revenge.blackbeard.contract import AudioProfile
from revenge.playback.session import Session
from revenge.playback.tracks import SubtitleRendition, default_audio, subtitle_renditions
from revenge.store.records import MediaRecord
from revenge.subtitles.tracks import subtitle_tracks


def session_audio(session: Session) -> AudioProfile | None:
    """The audio rendition the session starts with."""
    return default_audio(session.ladder.audio, chosen=session.options.audio_track,
                         preferences=session.preferences)


def session_subtitles(session: Session,
                      record: MediaRecord | None) -> tuple[SubtitleRendition, ...]:
    """The text subtitle renditions the session's master playlist offers (none once its
    media left the library)."""
    if record is None:
        return ()
    audio = session_audio(session)
    return subtitle_renditions(subtitle_tracks(record), chosen=session.options.subtitle_track,
                               preferences=session.preferences,
                               audio_language=audio.language if audio else None)


def start_renditions(session: Session) -> list[str]:
    """What the player will ask for first: the variant it starts with (the first of the
    master playlist) and the default audio."""
    names = []
    if session.ladder.video:
        adapter = session.adapter
        names.append(adapter.profile_for(None).name if adapter.server_abr
                     else adapter.master_order()[0])
    audio = session_audio(session)
    if audio is not None:
        names.append(audio.name)
    return names
