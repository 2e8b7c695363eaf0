"""Transcodes shared between sessions: one per media identity and ladder, reference-counted.

Two viewers of the same title with the same ladder share one Blackbeard transcode and one
segment buffer, so the second is served from what the first made, with no new encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
from twisted.internet.defer import CancelledError, Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.contract import TranscodeRequest
from revenge.blackbeard.interface import ITranscoder
from revenge.playback.buffer import BufferPolicy, SegmentBuffer
from revenge.playback.cache import TranscodeCache
from revenge.playback.cadence import Cadence
from revenge.playback.ladder import Ladder
from revenge.store.records import MediaRecord

_log = Logger()


def media_identity(record: MediaRecord) -> str:
    """Names the exact bytes of a file: a changed file never reuses stale segments."""
    return f"{record.id}:{record.size}:{record.mtime_ns}"


Key = tuple[str, Ladder]


@attrs.define
class SharedTranscode:
    """A Blackbeard transcode, its buffer, the sessions using it and its playlists."""

    key: Key
    id: str
    request: TranscodeRequest
    buffer: SegmentBuffer
    sessions: set[str] = attrs.field(factory=set)
    master: str | None = None
    playlists: dict[str, str] = attrs.field(factory=dict)  # rendition → its playlist

    async def master_playlist(self, transcoder: ITranscoder) -> str:
        """The master playlist as Blackbeard wrote it, fetched once."""
        if self.master is None:
            self.master = (await transcoder.master_playlist(self.id)).decode()
        return self.master

    async def media_playlist(self, transcoder: ITranscoder, rendition: str) -> str:
        """A rendition's playlist as Blackbeard wrote it, fetched once."""
        if rendition not in self.playlists:
            self.playlists[rendition] = (await transcoder.media_playlist(
                self.id, rendition)).decode()
        return self.playlists[rendition]

    def warm(self, transcoder: ITranscoder, start: int, renditions: Sequence[str]) -> None:
        """Ask now for what a player asks for first: the playlists, and the first segments
        of ``renditions`` (the start variant, the default audio), so that their encoders
        start with the session rather than with the player's first segment request."""
        for name in renditions:
            self.buffer.ready(start, name).addErrback(self._not_warmed, name)

        async def playlists() -> None:
            await self.master_playlist(transcoder)
            for name in renditions:
                await self.media_playlist(transcoder, name)

        Deferred.fromCoroutine(playlists()).addErrback(self._not_warmed, "playlists")

    def _not_warmed(self, failure: Failure, what: str) -> None:
        # The player's own requests will ask again and report what is wrong.
        if failure.check(CancelledError) is None:
            _log.info("warming {what} of transcode {id} failed: {error}", what=what,
                      id=self.id, error=failure.getErrorMessage())


@attrs.define(eq=False, kw_only=True)
class TranscodeManager:
    """Starts, shares and deletes transcodes for the playback service.

    ``source(media_id)`` is the URL and headers Blackbeard reads an original with.
    """

    transcoder: ITranscoder
    cache: TranscodeCache
    source: Callable[[str], tuple[str, dict[str, str]]]
    cadence: Cadence
    policy: BufferPolicy = attrs.field(factory=BufferPolicy)
    _by_key: dict[Key, SharedTranscode] = attrs.field(factory=dict, init=False)

    async def acquire(
        self, session_id: str, record: MediaRecord, ladder: Ladder, start_segment: int,
    ) -> SharedTranscode:
        """The shared transcode for this media and ladder, started if needed."""
        key = (media_identity(record), ladder)
        shared = self._by_key.get(key)
        if shared is None:
            url, headers = self.source(record.id)
            timeline = self.cadence.timeline(ladder)
            request = TranscodeRequest(
                source_url=url, source_headers=headers, source=ladder.source,
                video=ladder.video, audio=ladder.audio,
                segment_duration=timeline.segment, start_segment=start_segment,
                bootstrap_duration=timeline.bootstrap,
            )
            transcode_id = await self.transcoder.start(request)
            # Another session may have started the same transcode while we waited.
            shared = self._by_key.get(key)
            if shared is not None:
                await self.transcoder.delete(transcode_id)
            else:
                buffer = SegmentBuffer(
                    transcoder=self.transcoder,
                    transcode_id=transcode_id,
                    cache=self.cache,
                    media=key[0],
                    segment_count=request.segment_count,
                    policy=self.policy,
                )
                shared = SharedTranscode(key, transcode_id, request, buffer)
                self._by_key[key] = shared
                _log.info("transcode {id} started for media {media}", id=transcode_id,
                          media=record.id)
        shared.sessions.add(session_id)
        return shared

    async def release(self, session_id: str, shared: SharedTranscode) -> None:
        """The session is done with the transcode; the last one out deletes it."""
        shared.sessions.discard(session_id)
        if shared.sessions or self._by_key.get(shared.key) is not shared:
            return
        del self._by_key[shared.key]
        shared.buffer.close()
        try:
            await self.transcoder.delete(shared.id)
        except Exception:
            _log.failure("deleting transcode {id} failed", id=shared.id)
        else:
            _log.info("transcode {id} deleted", id=shared.id)
