"""Serving a session's stream: rewritten manifests and segments, with adaptation.

``AUTO`` is the single variant of ``abr=server`` sessions: its segments come from whatever
profile the server picks for each one. All profiles share segment names and time spans
(Blackbeard forces keyframes at the same instants), so switching between them splices.
"""

from __future__ import annotations

import time

from twisted.logger import Logger

from revenge.blackbeard.contract import Profile
from revenge.blackbeard.interface import ITranscoder, TranscoderError
from revenge.playback.buffer import Delivery
from revenge.playback.cmcd import Cmcd
from revenge.playback.errors import PlaybackError, not_found
from revenge.playback.manifest import ManifestError, rewrite_master, rewrite_media
from revenge.playback.service import PlaybackService
from revenge.playback.session import Session

AUTO = "auto"
_log = Logger()


class Streaming:
    """Manifests and segments of sessions, through their shared transcodes."""

    def __init__(self, *, playback: PlaybackService, transcoder: ITranscoder) -> None:
        self._playback = playback
        self._transcoder = transcoder
        self._segment_duration = playback.settings.segment_duration

    async def master_playlist(self, session_id: str, token: str) -> str:
        """The master playlist, rewritten; the first segments are ready before it answers."""
        session = await self._playback.authorise(session_id, token)
        shared = await self._playback.shared_for(session)
        adapter = session.adapter
        try:
            if shared.master is None:
                shared.master = (await self._transcoder.master_playlist(shared.id)).decode()
            start = int(session.position // self._segment_duration)
            first = adapter.profile_for(None) if adapter.server_abr else adapter.allowed[0]
            await shared.buffer.ready(start, first.name)
            if adapter.server_abr:
                best = adapter.allowed[0].name
                text = rewrite_master(shared.master, token=token, order=lambda _: [best])
                return text.replace(f"{best}/index.m3u8", f"{AUTO}/index.m3u8")
            return rewrite_master(shared.master, token=token,
                                  order=lambda _: adapter.master_order())
        except (TranscoderError, ManifestError) as e:
            session.stats.errors += 1
            raise PlaybackError(502, "transcoder_failed", str(e)) from None

    def _profile(self, session: Session, name: str) -> Profile | None:
        """The profile a URL names (None for ``auto``); 404 for anything else."""
        if name == AUTO and session.adapter.server_abr:
            return None
        for profile in session.profiles:
            if profile.name == name:
                return profile
        raise not_found("profile")

    async def media_playlist(self, session_id: str, profile: str, token: str) -> str:
        """One profile's playlist (or the ``auto`` one), rewritten."""
        session = await self._playback.authorise(session_id, token)
        named = self._profile(session, profile) or session.profiles[0]
        shared = await self._playback.shared_for(session)
        try:
            text, _ = await shared.media_playlist(self._transcoder, named.name)
            return rewrite_media(text, token=token)
        except (TranscoderError, ManifestError) as e:
            session.stats.errors += 1
            raise PlaybackError(502, "transcoder_failed", str(e)) from None

    async def segment(
        self, session_id: str, profile: str, name: str, token: str, cmcd: Cmcd | None = None
    ) -> tuple[Delivery, Session]:
        """A segment, from the buffer, the cache or Blackbeard; a failing profile falls back
        to the next lower one, so the player still gets every segment."""
        session = await self._playback.authorise(session_id, token)
        requested = self._profile(session, profile)
        shared = await self._playback.shared_for(session)
        adapter = session.adapter
        if cmcd is not None:
            adapter.cmcd(cmcd)
        try:
            _, names = await shared.media_playlist(self._transcoder, session.profiles[0].name)
        except (TranscoderError, ManifestError) as e:
            raise PlaybackError(502, "transcoder_failed", str(e)) from None
        index = names.get(name)
        if index is None:
            raise not_found("segment")
        chosen: Profile | None = adapter.profile_for(requested.name if requested else None)
        started = time.monotonic()
        while chosen is not None:
            try:
                delivery = await shared.buffer.get(index, chosen.name)
                break
            except TranscoderError as e:
                session.stats.errors += 1
                adapter.segment_failed()
                _log.warn("segment {index} ({profile}) of session {session} failed: {error}",
                          index=index, profile=chosen.name, session=session.id, error=str(e))
                chosen = adapter.lower_than(chosen)
        else:
            raise PlaybackError(502, "segment_unavailable", "no profile could make this segment")
        stats = session.stats
        stats.segments[delivery.source] += 1
        stats.bytes_sent += len(delivery.data)
        stats.media_seconds_sent += self._segment_duration
        stats.last_served_from = delivery.source
        if delivery.source == "origin":
            stats.buffering_events += 1
            stats.buffer_time += time.monotonic() - started
        session.segment_delivered(index * self._segment_duration)
        self._playback.note_progress(session)
        _log.info("segment served {session} {profile}/{index} from {source} in {latency_ms:.1f}ms",
                  session=session.id, profile=chosen.name, index=index,
                  source=delivery.source, latency_ms=(time.monotonic() - started) * 1000,
                  bytes=len(delivery.data))
        return delivery, session
