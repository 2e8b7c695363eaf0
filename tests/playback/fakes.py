"""A hand-driven ``ITranscoder`` for unit tests: each segment fetch waits for the test."""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from revenge.blackbeard.contract import TranscodeRequest, TranscodeStatus
from revenge.blackbeard.interface import ITranscoder, TranscoderError


def body(profile: str, name: str) -> bytes:
    """The bytes the fake answers for a segment."""
    return f"{profile}/{name}".encode()


@implementer(ITranscoder)
class FakeTranscoder:
    """Records every call; ``segment`` answers with a Deferred the test fires (or at once,
    with ``immediate``)."""

    healthy = True

    def __init__(self, *, immediate: bool = False) -> None:
        self.immediate = immediate
        self.fetches: dict[tuple[str, str], list[Deferred[bytes]]] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.started: list[TranscodeRequest] = []
        self.deleted: list[str] = []

    def health(self) -> Deferred[bool]:
        return succeed(True)

    def start(self, request: TranscodeRequest) -> Deferred[str]:
        self.started.append(request)
        return succeed(f"t{len(self.started)}")

    def status(self, transcode_id: str) -> Deferred[TranscodeStatus]:
        return succeed(TranscodeStatus(transcode_id, "running", 10, {}))

    def master_playlist(self, transcode_id: str) -> Deferred[bytes]:
        return succeed(b"#EXTM3U\n")

    def media_playlist(self, transcode_id: str, profile: str) -> Deferred[bytes]:
        return succeed(b"#EXTM3U\n")

    def segment(self, transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        self.calls.append((transcode_id, profile, name))
        if self.immediate:
            return succeed(body(profile, name))
        d: Deferred[bytes] = Deferred()
        self.fetches.setdefault((profile, name), []).append(d)
        return d

    def delete(self, transcode_id: str) -> Deferred[None]:
        self.deleted.append(transcode_id)
        return succeed(None)

    def pending(self) -> list[tuple[str, str]]:
        """Fetches not answered yet, one entry per fetch."""
        return [key for key, ds in self.fetches.items() for d in ds if not d.called]

    def _oldest(self, profile: str, name: str) -> Deferred[bytes]:
        return next(d for d in self.fetches[(profile, name)] if not d.called)

    def answer(self, profile: str, name: str, data: bytes | None = None) -> None:
        """Fire the oldest unanswered fetch of a segment."""
        self._oldest(profile, name).callback(data if data is not None else body(profile, name))

    def fail(self, profile: str, name: str, status: int = 500) -> None:
        """Fail the oldest unanswered fetch of a segment as the client would, after retries."""
        self._oldest(profile, name).errback(TranscoderError("boom", status=status))
