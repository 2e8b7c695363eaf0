"""Why a playback request cannot be served, in the playback domain's words.

Each error carries a stable machine ``code`` and a message for people; what HTTP status
that is, is the API's business (``revenge.api.errors``), not playback's.
"""

from __future__ import annotations


class PlaybackError(Exception):
    """A playback request that cannot be served."""

    code = "playback_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(PlaybackError):
    """No such session, media, profile or segment (or someone else's)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}", code=f"{what}_not_found")


class InvalidRequest(PlaybackError):
    """The request asks for something this media or session does not have."""


class Unplayable(PlaybackError):
    """This media cannot be played: unprobeable, no tracks, or its transcode fails."""

    code = "media_unplayable"


class TooManySessions(PlaybackError):
    """The user has as many streams as allowed, all of them in use."""

    code = "too_many_sessions"


class StreamRefused(PlaybackError):
    """A stream URL's token is missing, altered, expired or for another session."""


class TranscoderFailed(PlaybackError):
    """The transcoder could not be reached or could not make what was asked."""

    code = "transcoder_failed"


class Superseded(PlaybackError):
    """The player asked for a segment elsewhere; this request was given up."""

    code = "superseded"


def not_found(what: str) -> NotFound:
    """A ``NotFound`` for an unknown (or someone else's) session, media, profile..."""
    return NotFound(what)
