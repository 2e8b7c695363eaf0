"""Serving a session's stream: rewritten manifests and segments, with adaptation.

``AUTO`` is the single variant of ``abr=server`` sessions: its segments come from whatever
video profile the server picks for each one. All renditions share segment names and time
spans (one ``Timeline``), so switching between profiles, and any profile with any audio
rendition, splices.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from twisted.internet.defer import Deferred, fail
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.contract import AudioProfile, VideoProfile
from revenge.blackbeard.interface import ITranscoder, MediaFailed, TranscoderError
from revenge.blackbeard.naming import segment_index, subtitle_segment_index
from revenge.blackbeard.timeline import MPEG_CLOCK, TS_OFFSET
from revenge.playback.buffer import Delivery
from revenge.playback.cmcd import Cmcd
from revenge.playback.errors import PlaybackError, TranscoderFailed, Unplayable, not_found
from revenge.playback.ladder import Variant
from revenge.playback.manifest import (
    ManifestError,
    rewrite_master,
    rewrite_media,
    subtitle_playlist,
)
from revenge.playback.service import PlaybackService
from revenge.playback.session import Session
from revenge.playback.session_tracks import session_audio, session_subtitles
from revenge.playback.tracks import SUBTITLE_PREFIX, SubtitleRendition
from revenge.playback.transcodes import SharedTranscode
from revenge.subtitles.service import SubtitleError, SubtitleService
from revenge.subtitles.webvtt import segment_webvtt

AUTO = "auto"
WAITED = 0.25  # seconds: a segment that took longer is logged, wherever it came from
_log = Logger()


def _failed(session: Session, error: Exception) -> PlaybackError:
    session.stats.errors += 1
    if isinstance(error, MediaFailed):
        return Unplayable(str(error))
    return TranscoderFailed(str(error))


class Streaming:
    """Manifests and segments of sessions, through their shared transcodes."""

    def __init__(self, *, playback: PlaybackService, transcoder: ITranscoder,
                 subtitles: SubtitleService, log_every_segment: bool = False) -> None:
        self._playback = playback
        self._transcoder = transcoder
        self._subtitles = subtitles
        # Off: a segment is logged only when its player waited for it (it was made on
        # demand, or took over ``WAITED``). A line per segment per player is noise to read,
        # and formatting it cost a tenth of serving a cached segment.
        self._log_every_segment = log_every_segment

    async def master_playlist(self, session_id: str, token: str) -> str:
        """The master playlist, rewritten. It answers at once: the first segments were asked
        for when the session got its transcode, and the player's requests wait for them."""
        session = await self._playback.authorise(session_id, token)
        shared = await self._playback.shared_for(session)
        adapter = session.adapter
        audio = session_audio(session)
        subtitles = session_subtitles(session, self._playback.record_of(session))
        if subtitles:
            self._warm_subtitles(session)

        def rewrite(master: str, order: Callable[[Sequence[str]], Sequence[str]] | None) -> str:
            return rewrite_master(master, token=token, order=order, subtitles=subtitles,
                                  audio_default=audio.name if audio else None)

        try:
            master = await shared.master_playlist(self._transcoder)
            if not session.ladder.video:
                return rewrite(master, None)
            if adapter.server_abr:
                best = adapter.allowed[0].name
                text = rewrite(master, lambda _: [best])
                return text.replace(f"{best}/index.m3u8", f"{AUTO}/index.m3u8")
            return rewrite(master, lambda _: adapter.master_order())
        except (TranscoderError, ManifestError) as e:
            raise _failed(session, e) from None

    def _rendition(self, session: Session, name: str) -> str:
        """The rendition a URL names (``auto``: the best allowed profile); 404 otherwise."""
        if name == AUTO and session.adapter.server_abr:
            return session.adapter.allowed[0].name
        if session.ladder.rendition(name) is None:
            raise not_found("profile")
        return name

    async def media_playlist(self, session_id: str, profile: str, token: str) -> str:
        """One rendition's playlist (or the ``auto`` one), rewritten."""
        session = await self._playback.authorise(session_id, token)
        if profile.startswith(SUBTITLE_PREFIX):
            self._subtitle(session, profile)
            self._warm_subtitles(session)
            return subtitle_playlist(self._playback.timeline(session), token=token)
        name = self._rendition(session, profile)
        shared = await self._playback.shared_for(session)
        try:
            return rewrite_media(await shared.media_playlist(self._transcoder, name),
                                 token=token)
        except (TranscoderError, ManifestError) as e:
            raise _failed(session, e) from None

    def _subtitle(self, session: Session, profile: str) -> SubtitleRendition:
        found = next((r for r in session_subtitles(session, self._playback.record_of(session))
                      if r.name == profile), None)
        if found is None:
            raise not_found("profile")
        return found

    def _warm_subtitles(self, session: Session) -> None:
        record = self._playback.record_of(session)
        if record is not None:
            self._subtitles.warm(record)

    async def subtitle_segment(self, session_id: str, profile: str, name: str,
                               token: str) -> bytes:
        """One WebVTT segment of a subtitle rendition: the cues overlapping its span, on the
        timeline of the MPEG-TS segments beside it."""
        session = await self._playback.authorise(session_id, token)
        rendition = self._subtitle(session, profile)
        timeline = self._playback.timeline(session)
        index = subtitle_segment_index(name)
        record = self._playback.record_of(session)
        if index is None or index >= timeline.count or record is None:
            raise not_found("segment")
        try:
            cues = await self._subtitles.cues(record, rendition.track)
        except SubtitleError as e:
            raise TranscoderFailed(str(e), code="subtitles_unavailable") from None
        return segment_webvtt(cues, timeline.start(index), timeline.end(index),
                              mpegts=round(TS_OFFSET * MPEG_CLOCK)).encode()

    async def segment(
        self, session_id: str, profile: str, name: str, token: str, cmcd: Cmcd | None = None
    ) -> tuple[Delivery, Session]:
        """A segment, from the buffer, the cache or Blackbeard; a failing video profile falls
        back to the next lower one, so the player still gets every segment."""
        index = segment_index(name)
        session = await self._playback.authorise(session_id, token, segment=index)
        timeline = self._playback.timeline(session)
        if index is None or index >= timeline.count or not name.endswith(".ts"):
            raise not_found("segment")
        rendition = None if profile == AUTO and session.adapter.server_abr \
            else session.ladder.rendition(profile)
        if rendition is None and profile != AUTO:
            raise not_found("profile")
        shared = await self._playback.shared_for(session)
        if cmcd is not None:
            session.adapter.cmcd(cmcd)
        started = time.monotonic()
        kind = "audio" if isinstance(rendition, AudioProfile) else "video"
        # Before this request's fetch: what the player left is let go of first.
        session.requests.jump(kind, index)
        fetching = self._fetch(session, shared, index, profile, rendition)
        if kind == "audio":
            session.sound = profile
        elif session.sound is not None:
            self._sound_alongside(shared, index, session.sound)
        delivery, served = await session.requests.hold(kind, index, fetching)
        self._account(session, delivery, started, audio=isinstance(rendition, AudioProfile),
                      seconds=timeline.length(index))
        if not session.ladder.video or not isinstance(rendition, AudioProfile):
            session.segment_delivered(timeline.start(index))
            self._playback.note_progress(session)
        latency = time.monotonic() - started
        if self._log_every_segment or delivery.source == "origin" or latency > WAITED:
            _log.info("segment served {session} {profile}/{index} from {source} in "
                      "{latency_ms:.1f}ms", session=session.id, profile=served, index=index,
                      source=delivery.source, latency_ms=latency * 1000,
                      bytes=len(delivery.data))
        return delivery, session

    @staticmethod
    def _sound_alongside(shared: SharedTranscode, index: int, sound: str) -> None:
        """Have the sound of video segment ``index`` fetched now (usually at hand already).

        After a seek, hls.js asks for the sound of the new position only once its picture
        has come: fetched then, its encoder would restart after the picture's had made a
        segment, and the player would wait for both in turn rather than at once.
        """
        shared.buffer.ready(index, sound).addErrback(lambda _: None)  # the buffer logs it

    def _fetch(self, session: Session, shared: SharedTranscode, index: int, profile: str,
               rendition: VideoProfile | AudioProfile | None) -> Deferred[tuple[Delivery, str]]:
        # Deferreds, not coroutines: a segment at hand is then one callback, not a coroutine
        # run by its own Deferred (a cached segment's whole bookkeeping is Python per request).
        if isinstance(rendition, AudioProfile):
            name = rendition.name

            def audio_failed(failure: Failure) -> Failure:
                failure.trap(TranscoderError)
                error = failure.value
                assert isinstance(error, TranscoderError)
                return Failure(_failed(session, error))

            return shared.buffer.get(index, name).addCallbacks(
                lambda delivery: (delivery, name), audio_failed)
        chosen = session.adapter.profile_for(None if profile == AUTO else profile)
        return self._video_segment(session, shared, index, chosen, None)

    def _video_segment(self, session: Session, shared: SharedTranscode, index: int,
                       chosen: Variant | None, last_error: BaseException | None
                       ) -> Deferred[tuple[Delivery, str]]:
        """The segment in profile ``chosen``, else in the next lower one that can make it."""
        if chosen is None:
            if isinstance(last_error, MediaFailed):
                return fail(Unplayable(str(last_error)))
            return fail(TranscoderFailed("no profile could make this segment",
                                         code="segment_unavailable"))
        variant = chosen

        def failed(failure: Failure) -> Deferred[tuple[Delivery, str]]:
            failure.trap(TranscoderError)
            session.stats.errors += 1
            adapter = session.adapter
            adapter.segment_failed()
            _log.warn("segment {index} ({profile}) of session {session} failed: {error}",
                      index=index, profile=variant.name, session=session.id,
                      error=str(failure.value))
            return self._video_segment(session, shared, index, adapter.lower_than(variant),
                                       failure.value)

        return shared.buffer.get(index, variant.name).addCallbacks(
            lambda delivery: (delivery, variant.name), failed)

    def _account(self, session: Session, delivery: Delivery, started: float, *,
                 audio: bool, seconds: float) -> None:
        stats = session.stats
        stats.segments[delivery.source] += 1
        stats.bytes_sent += len(delivery.data)
        if not audio:
            stats.media_seconds_sent += seconds
        stats.last_served_from = delivery.source
        if delivery.source == "origin":
            stats.buffering_events += 1
            stats.buffer_time += time.monotonic() - started
