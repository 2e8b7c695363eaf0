"""``FakeTranscoder``: an in-memory ``ITranscoder`` that answers as Blackbeard would.

Its playlists are the real ones (``revenge.transcoder.playlists``) for the renditions each
transcode was started with; its segments are small made-up bodies (``segment_body``),
answered at once or held until the test answers them. Failures are told to it: one pending
fetch at a time (``fail``), or standing rules (``fail_segments``, ``fail_starts``) that make
every matching call fail with the error given, such as ``MediaFailed`` or
``TranscoderUnavailable``.
"""

from __future__ import annotations

import attrs
from twisted.internet.defer import Deferred, fail, succeed
from zope.interface import implementer

from revenge.blackbeard.contract import TranscodeRequest, TranscodeStatus
from revenge.blackbeard.interface import ITranscoder, TranscodeNotFound, TranscoderError
from revenge.blackbeard.naming import segment_index
from revenge.transcoder import playlists

__all__ = ["FakeTranscoder", "segment_body"]


def segment_body(profile: str, name: str) -> bytes:
    """The bytes ``FakeTranscoder`` answers for segment ``name`` of ``profile``."""
    return f"{profile}/{name}".encode()


@attrs.frozen
class _Rule:
    """Calls matching every field that is set fail with ``error``."""

    error: Exception
    source_url: str | None = None
    profile: str | None = None
    name: str | None = None

    def matches(self, request: TranscodeRequest | None, profile: str | None = None,
                name: str | None = None) -> bool:
        if self.source_url is not None and (
                request is None or request.source_url != self.source_url):
            return False
        return (self.profile in (None, profile)) and (self.name in (None, name))


@implementer(ITranscoder)
class FakeTranscoder:
    """Records every call and answers like a Blackbeard that never gets tired.

    With ``immediate`` (the default) each segment fetch fires at once with
    ``segment_body(profile, name)``; without it, each fetch waits until the test calls
    ``answer`` or ``fail`` for it.
    """

    def __init__(self, *, immediate: bool = True) -> None:
        self.immediate = immediate
        self.healthy = True
        self.started: list[TranscodeRequest] = []  # every start, in order
        self.transcodes: dict[str, TranscodeRequest] = {}  # started and not deleted
        self.calls: list[tuple[str, str, str]] = []  # segment fetches: (id, profile, name)
        self.deleted: list[str] = []
        self.fetches: dict[tuple[str, str], list[Deferred[bytes]]] = {}
        self._segment_rules: list[_Rule] = []
        self._start_rules: list[_Rule] = []

    # -- being told what to do -------------------------------------------------------------

    def fail_segments(self, error: Exception, *, source_url: str | None = None,
                      profile: str | None = None, name: str | None = None) -> None:
        """From now on, segment fetches that match fail with ``error``: of transcodes of
        ``source_url``, of rendition ``profile``, named ``name`` (each None: any)."""
        self._segment_rules.append(_Rule(error, source_url, profile, name))

    def fail_starts(self, error: Exception, *, source_url: str | None = None) -> None:
        """From now on, starting a transcode (of ``source_url``; None: any) fails with
        ``error``."""
        self._start_rules.append(_Rule(error, source_url))

    def clear_failures(self) -> None:
        """Forget every rule given to ``fail_segments`` and ``fail_starts``."""
        self._segment_rules.clear()
        self._start_rules.clear()

    def pending(self) -> list[tuple[str, str]]:
        """Fetches not answered yet, one ``(profile, name)`` per fetch."""
        return [key for key, ds in self.fetches.items() for d in ds if not d.called]

    def answer(self, profile: str, name: str, data: bytes | None = None) -> None:
        """Fire the oldest unanswered fetch of a segment (with ``segment_body`` by default)."""
        self._oldest(profile, name).callback(
            segment_body(profile, name) if data is None else data)

    def fail(self, profile: str, name: str, error: Exception | None = None) -> None:
        """Fail the oldest unanswered fetch of a segment, as the client would after its
        retries (a ``TranscoderError`` with status 500 by default)."""
        self._oldest(profile, name).errback(
            TranscoderError("boom", status=500) if error is None else error)

    def _oldest(self, profile: str, name: str) -> Deferred[bytes]:
        waiting = [d for d in self.fetches.get((profile, name), []) if not d.called]
        if not waiting:
            raise LookupError(f"no fetch of {profile}/{name} is waiting")
        return waiting[0]

    # -- ITranscoder -------------------------------------------------------------------------

    def health(self) -> Deferred[bool]:
        return succeed(self.healthy)

    def start(self, request: TranscodeRequest) -> Deferred[str]:
        self.started.append(request)
        for rule in self._start_rules:
            if rule.matches(request):
                return fail(rule.error)
        transcode_id = f"t{len(self.started)}"
        self.transcodes[transcode_id] = request
        return succeed(transcode_id)

    def status(self, transcode_id: str) -> Deferred[TranscodeStatus]:
        request = self.transcodes.get(transcode_id)
        if request is None:
            return fail(_unknown(transcode_id))
        served: dict[str, int] = {r.name: -1 for r in request.renditions}
        for called_id, profile, name in self.calls:
            index = segment_index(name)
            if called_id == transcode_id and profile in served and index is not None:
                served[profile] = max(served[profile], index)
        return succeed(TranscodeStatus(transcode_id, "running", request.segment_count, served))

    def master_playlist(self, transcode_id: str) -> Deferred[bytes]:
        request = self.transcodes.get(transcode_id)
        if request is None:
            return fail(_unknown(transcode_id))
        return succeed(playlists.master_playlist(request).encode())

    def media_playlist(self, transcode_id: str, profile: str) -> Deferred[bytes]:
        request = self.transcodes.get(transcode_id)
        if request is None:
            return fail(_unknown(transcode_id))
        rendition = next((r for r in request.renditions if r.name == profile), None)
        if rendition is None:
            return fail(TranscoderError(f"no rendition {profile!r}", status=404,
                                        code="rendition_not_found"))
        return succeed(playlists.media_playlist(request, rendition).encode())

    def segment(self, transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        self.calls.append((transcode_id, profile, name))
        request = self.transcodes.get(transcode_id)
        for rule in self._segment_rules:
            if rule.matches(request, profile, name):
                return fail(rule.error)
        if self.immediate:
            return succeed(segment_body(profile, name))
        d: Deferred[bytes] = Deferred()
        self.fetches.setdefault((profile, name), []).append(d)
        return d

    def delete(self, transcode_id: str) -> Deferred[None]:
        self.deleted.append(transcode_id)
        self.transcodes.pop(transcode_id, None)
        return succeed(None)


def _unknown(transcode_id: str) -> TranscodeNotFound:
    return TranscodeNotFound(f"no transcode {transcode_id!r}", status=404,
                             code="transcode_not_found")
