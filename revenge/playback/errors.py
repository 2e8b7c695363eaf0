"""Playback failures, each with the HTTP status and error code the API answers with."""

from __future__ import annotations


class PlaybackError(Exception):
    """A playback request that cannot be served; ``status``/``code`` go to the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str) -> PlaybackError:
    """A 404 for an unknown (or someone else's) session or media."""
    return PlaybackError(404, f"{what}_not_found", f"no such {what}")
