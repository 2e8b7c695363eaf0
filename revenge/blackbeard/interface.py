"""The seam between playback and whatever makes HLS renditions."""

from __future__ import annotations

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

from revenge.blackbeard.contract import TranscodeRequest, TranscodeStatus


class TranscoderError(Exception):
    """The transcoder could not do what was asked (after retries, where retrying made sense)."""

    def __init__(self, message: str, *, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status = status  # the last HTTP status, None when no answer came
        self.code = code  # the ``error.code`` of a JSON error answer, when there was one


class TranscoderUnavailable(TranscoderError):
    """The transcoder is unreachable or the circuit breaker is open: fail fast."""


class MediaFailed(TranscoderError):
    """Blackbeard cannot make this media (its source is unreadable, truncated or cannot be
    encoded): a fault of the media, not of Blackbeard; never retried, never held against
    the circuit breaker."""


class TranscodeNotFound(TranscoderError):
    """Blackbeard does not know the transcode (deleted, reaped, or Blackbeard restarted)."""


class ITranscoder(Interface):
    """Speaks the Blackbeard contract (``DESIGN.md``) to an embedded or remote transcoder."""

    healthy = Attribute("bool: False while the circuit breaker is open.")

    def health() -> Deferred[bool]:
        """Fire with whether ``GET /api/v1/health`` answered 200."""

    def start(request: TranscodeRequest) -> Deferred[str]:
        """Start a transcode; fire with its id."""

    def status(transcode_id: str) -> Deferred[TranscodeStatus]:
        """Fire with the transcode's state."""

    def master_playlist(transcode_id: str) -> Deferred[bytes]:
        """Fire with the master playlist as Blackbeard wrote it."""

    def media_playlist(transcode_id: str, profile: str) -> Deferred[bytes]:
        """Fire with one profile's complete VOD playlist."""

    def segment(transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        """Fire with a segment's bytes once written (waits and retries on 503)."""

    def delete(transcode_id: str) -> Deferred[None]:
        """Stop the transcode and remove its files; a missing one is not an error."""
