"""What asking for subtitles can fail with: domain errors, turned into statuses by the API."""

from __future__ import annotations


class SubtitleError(Exception):
    """A subtitle track's cues cannot be had; the message says why, for a person."""


class NotText(SubtitleError):
    """A picture subtitle (PGS, VobSub, DVB): it has no text, only burning it in shows it."""


class ExtractionFailed(SubtitleError):
    """ffmpeg could not turn the track into WebVTT (a broken file, a hung read)."""
