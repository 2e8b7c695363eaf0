"""The playback service: sessions, their transcodes, progress, restoring, idle cleanup."""

from __future__ import annotations

import secrets

import attrs
from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from revenge.blackbeard.interface import MediaFailed, TranscoderError
from revenge.blackbeard.timeline import Timeline
from revenge.config.model import PlaybackConfig
from revenge.library.service import LibraryService
from revenge.playback import session_metrics
from revenge.playback.buffer import BufferStats
from revenge.playback.direct import ClientCapabilities, can_direct_play
from revenge.playback.errors import (
    InvalidRequest,
    StreamRefused,
    TooManySessions,
    TranscoderFailed,
    Unplayable,
    not_found,
)
from revenge.playback.persistence import SessionPersistence
from revenge.playback.session import Session, SessionOptions, State
from revenge.playback.session_ladder import session_ladder
from revenge.playback.session_tracks import start_renditions
from revenge.playback.tracks import check_choice
from revenge.playback.transcodes import SharedTranscode, TranscodeManager
from revenge.security.signing import UrlSigner, Verdict
from revenge.store.accounts import User
from revenge.store.interface import IStore
from revenge.store.records import MediaRecord

_log = Logger()
PROGRESS_EVERY = 10.0  # seconds between progress writes implied by segment requests


@attrs.define(eq=False, kw_only=True)
class PlaybackService(Service):
    """Owns every session; the API's session routes are thin calls into this."""

    name = "playback"

    _library: LibraryService = attrs.field(alias="library")
    _store: IStore = attrs.field(alias="store")
    _transcodes: TranscodeManager = attrs.field(alias="transcodes")
    signer: UrlSigner
    _clock: IReactorTime = attrs.field(alias="clock")
    settings: PlaybackConfig
    _sessions: dict[str, Session] = attrs.field(factory=dict, init=False)
    # Session id → the transcode it streams from, while it has one.
    _shared: dict[str, SharedTranscode] = attrs.field(factory=dict, init=False)
    _reaper: LoopingCall = attrs.field(init=False)
    _reloaded: Deferred[None] | None = attrs.field(default=None, init=False)
    _persistence: SessionPersistence = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._reaper = LoopingCall(self.reap_idle)
        self._reaper.clock = self._clock
        self._persistence = SessionPersistence(store=self._store, library=self._library,
                                               clock=self._clock, settings=self.settings)

    # -- lifecycle -----------------------------------------------------------------------

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self._reloaded = Deferred.fromCoroutine(self._reload())
        self._reloaded.addErrback(lambda f: _log.failure("restoring sessions failed", f))
        interval = min(60.0, self.settings.idle_timeout / 4)
        self._reaper.start(interval, now=False).addErrback(
            lambda f: _log.failure("session reaper failed", f))

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._reaper.running:
            self._reaper.stop()
        return Deferred.fromCoroutine(self._stop_all())

    async def _stop_all(self) -> None:
        # Sessions stay persisted (a restart restores them); only their transcodes stop. A
        # row another node wrote since (it served the session after us) is left as it is,
        # and so is the resume position it wrote.
        for session in list(self._sessions.values()):
            if await self._persistence.save(session) and session.progressed:
                await self._save_progress(session)
            shared = self._shared.pop(session.id, None)
            if shared is not None:
                await self._transcodes.release(session.id, shared)

    async def _reload(self) -> None:
        """Restore the sessions a previous run left (after a crash too): players keep their
        URLs, and each transcode is recreated at the session's position on demand. On a
        shared store nothing is loaded now: a session comes from the store when asked for
        (``_held``), on whichever node it is asked of."""
        await self._library.loaded
        if self._store.shared:
            return
        for record in await self._store.sessions():
            session = self._persistence.session_of(record)
            if session is None:
                await self._store.delete_session(record.id)
                continue
            session.touch(self._clock.seconds())
            self._sessions[record.id] = session
        if self._sessions:
            _log.info("{count} session(s) restored", count=len(self._sessions))
        session_metrics.changed(self._sessions.values())

    async def _held(self, session_id: str, *, at_segment: int | None = None) -> Session | None:
        """The session, from this node's own, else (on a shared store) from the store: a
        session another node opened or served, which this node now takes on. Its transcode
        starts at ``at_segment`` (the segment asked for) where given, else its position."""
        session = self._sessions.get(session_id)
        if session is not None or not self._store.shared:
            return session
        loaded = await self._persistence.load(session_id)
        if loaded is None:
            return None
        # Requests racing to load one session (video and audio segments) keep the first.
        session = self._sessions.setdefault(session_id, loaded)
        if session is loaded:
            session.touch(self._clock.seconds())
            timeline = self.timeline(session)
            if at_segment is not None and 0 <= at_segment < timeline.count:
                session.position = timeline.start(at_segment)
            _log.info("session {session} taken on from the store at {position:.1f}s",
                      session=session_id, position=session.position)
            session_metrics.changed(self._sessions.values())
        return session

    async def _ready(self) -> None:
        if self._reloaded is not None and not self._reloaded.called:
            await self._reloaded

    async def reap_idle(self) -> None:
        """Stop this node's sessions idle for longer than the idle timeout. On a shared
        store a session served by another node since is only let go of here, and rows idle
        that long (a dead node's sessions nobody came back for) are deleted."""
        now = self._clock.seconds()
        idle = self.settings.idle_timeout
        for session in list(self._sessions.values()):
            if now - session.last_activity_at <= idle:
                continue
            if self._store.shared:
                record = await self._store.session(session.id)
                if record is not None and now - record.last_activity_at <= idle:
                    await self._let_go(session)
                    continue
            _log.info("session {session} idle, stopping", session=session.id)
            await self._end(session, persist=False)
        if self._store.shared:
            swept = await self._store.delete_idle_sessions(now - idle)
            if swept:
                _log.info("{count} idle session(s) of other nodes deleted", count=swept)

    async def _let_go(self, session: Session) -> None:
        """Drop this node's copy of a session another node serves now; its row stays."""
        self._sessions.pop(session.id, None)
        self._persistence.let_go(session.id)
        shared = self._shared.pop(session.id, None)
        if shared is not None:
            await self._transcodes.release(session.id, shared)
        session_metrics.changed(self._sessions.values())

    # -- sessions --------------------------------------------------------------------------

    async def create(
        self, user: User, media_id: str, options: SessionOptions,
        client: ClientCapabilities | None = None, *, client_address: str | None = None,
    ) -> Session:
        """Open a session: direct play where the player can, else start a transcode."""
        record = self._library.get(media_id)
        if record is None:
            raise not_found("media")
        if record.probe.error is not None:
            raise Unplayable(f"cannot play: {record.probe.error}")
        if not record.probe.duration:
            raise Unplayable("cannot play: its length is unknown")
        if not 0 <= options.start_position <= (record.probe.duration or 0.0):
            raise InvalidRequest("start_position is outside the media",
                                 code="bad_start_position")
        check_choice(record, options)
        await self._ready()
        if await self._make_room(user.id) >= self.settings.max_sessions_per_user:
            raise TooManySessions("close a session before opening another")
        ladder = session_ladder(record, options, self.settings)
        if options.profile is not None and not ladder.video:
            raise InvalidRequest("no such profile for this media", code="unknown_profile")
        if not ladder.video and not ladder.audio:
            raise Unplayable("the media has no audio or video")
        direct = client is not None and can_direct_play(record, client, options.max_bitrate) \
            and not options.burn_subtitles
        now = self._clock.seconds()
        session = Session(
            id=secrets.token_urlsafe(12), user_id=user.id, media_id=media_id,
            mode="direct" if direct else "transcode", ladder=ladder, options=options,
            created_at=now, last_activity_at=now, position=options.start_position,
            user_name=user.name, client_address=client_address,
            preferences=await self._store.preferences(user.id),
        )
        if not direct:
            await self.shared_for(session)
        self._sessions[session.id] = session
        await self._persistence.save(session)
        session_metrics.changed(self._sessions.values())
        _log.info("session {session} opened for media {media} ({mode})", session=session.id,
                  media=media_id, mode=session.mode)
        return session

    async def _make_room(self, user_id: str) -> int:
        """At the cap, stop the user's least recently active sessions that have been idle for
        longer than the grace period (a tab closed without a goodbye): only streams really
        in use count against the cap. How many stay open (on every node, on a shared
        store)."""
        open_now = await self._open_sessions(user_id)
        idle_since = self._clock.seconds() - self.settings.session_grace
        for session in sorted(open_now, key=lambda s: s.last_activity_at):
            if len(open_now) < self.settings.max_sessions_per_user:
                break
            if session.last_activity_at < idle_since:
                _log.info("session {session} idle, stopped to make room for a new one",
                          session=session.id)
                if session.id in self._sessions:
                    await self._end(session, persist=True)
                else:  # held by no node now, or by one that stopped writing its activity
                    await self._persistence.forget(session.id)
                open_now.remove(session)
        return len(open_now)

    async def _open_sessions(self, user_id: str | None) -> list[Session]:
        """The open sessions of ``user_id`` (None: everyone's): this node's, or on a shared
        store every node's (this node's copy where it holds one)."""
        if not self._store.shared:
            return [s for s in self._sessions.values() if user_id in (None, s.user_id)]
        found = []
        for record in await self._store.sessions(user_id):
            session = self._sessions.get(record.id) or self._persistence.session_of(record)
            if session is not None:
                found.append(session)
        return found

    async def get(self, user: User, session_id: str) -> Session:
        """The user's session (any session, for an admin); someone else's is as unknown as a
        missing one."""
        await self._ready()
        session = await self._held(session_id)
        if session is None or (session.user_id != user.id and not user.is_admin):
            raise not_found("session")
        return session

    def sessions_of(self, user_id: str) -> list[Session]:
        """The user's open sessions."""
        return [s for s in self._sessions.values() if s.user_id == user_id]

    async def visible_to(self, user: User) -> list[Session]:
        """The sessions ``user`` may see: their own, or every one for an admin; newest first."""
        await self._ready()
        sessions = await self._open_sessions(None if user.is_admin else user.id)
        return sorted(sessions, key=lambda s: s.created_at, reverse=True)

    async def stop(self, user: User, session_id: str) -> None:
        """Stop a session and release its transcode."""
        await self._end(await self.get(user, session_id), persist=True)

    async def _end(self, session: Session, *, persist: bool) -> None:
        session.move_to(State.STOPPED)
        self._sessions.pop(session.id, None)
        shared = self._shared.pop(session.id, None)
        if persist and session.progressed:
            await self._save_progress(session)
        await self._persistence.forget(session.id)
        if shared is not None:
            await self._transcodes.release(session.id, shared)
        session_metrics.changed(self._sessions.values())

    async def heartbeat(
        self, user: User, session_id: str, position: float, state: State
    ) -> Session:
        """Record the player's position and state; committed before this returns."""
        session = await self.get(user, session_id)
        session.touch(self._clock.seconds())
        session.heartbeat(position, state)
        if state is State.STOPPED:
            await self._end(session, persist=True)
            return session
        if session.progressed:
            await self._save_progress(session)
        await self._persistence.save(session)
        session_metrics.changed(self._sessions.values())
        return session

    async def _save_progress(self, session: Session) -> None:
        session.progress_saved_at = self._clock.seconds()
        await self._store.save_progress(session.user_id, session.media_id, session.position,
                                        self._clock.seconds())

    def note_progress(self, session: Session) -> None:
        """Persist the position segment requests imply, at most every ``PROGRESS_EVERY``."""
        if self._clock.seconds() - session.progress_saved_at < PROGRESS_EVERY:
            return
        Deferred.fromCoroutine(self._save_progress(session)).addErrback(
            lambda f: _log.failure("saving progress failed", f))
        session_metrics.changed(self._sessions.values())

    # -- stream access -----------------------------------------------------------------------

    def stream_token(self, session: Session) -> str:
        """The signed token the session's stream URLs carry."""
        return self.signer.sign(f"session:{session.id}")

    def direct_token(self, media_id: str) -> str:
        """The signed token of a direct-play URL."""
        return self.signer.sign(f"media:{media_id}")

    def check_direct_token(self, media_id: str, token: str) -> Verdict:
        """Whether a direct-play token is good for ``media_id``."""
        return self.signer.verify(f"media:{media_id}", token)

    async def authorise(self, session_id: str, token: str, *,
                        segment: int | None = None) -> Session:
        """The session a stream URL names, if its token is valid for it; a 403 if not.
        ``segment``: the segment the URL asks for, where a transcode taken on starts."""
        await self._ready()
        verdict = self.signer.verify(f"session:{session_id}", token)
        if verdict is Verdict.EXPIRED:
            raise StreamRefused("the stream URL has expired", code="token_expired")
        if verdict is not Verdict.VALID:
            raise StreamRefused("the stream URL is not valid", code="token_invalid")
        session = await self._held(session_id, at_segment=segment)
        if session is None:
            raise not_found("session")
        session.touch(self._clock.seconds())
        self._persistence.note_activity(session)
        return session

    async def shared_for(self, session: Session) -> SharedTranscode:
        """The session's transcode, (re)started at its position when it has none."""
        shared = self._shared.get(session.id)
        if shared is not None:
            return shared
        record = self._library.get(session.media_id)
        if record is None:
            raise not_found("media")
        start = self.timeline(session).index_at(session.position)
        try:
            shared = await self._transcodes.acquire(session.id, record, session.ladder, start)
        except MediaFailed as e:
            raise Unplayable(str(e)) from None
        except TranscoderError as e:
            raise TranscoderFailed(str(e)) from None
        self._shared[session.id] = shared
        shared.warm(self._transcodes.transcoder, start, start_renditions(session))
        return shared

    def timeline(self, session: Session) -> Timeline:
        """The segment boundaries of the session's media."""
        return self._transcodes.cadence.timeline(session.ladder)

    def buffer_of(self, session: Session) -> BufferStats | None:
        """What the session's transcode buffer holds now, if it has one."""
        shared = self._shared.get(session.id)
        return shared.buffer.stats() if shared is not None else None

    def transcode_of(self, session: Session) -> str | None:
        """The id of the transcode the session streams from, if it has one now."""
        shared = self._shared.get(session.id)
        return shared.id if shared is not None else None

    # -- tracks ----------------------------------------------------------------------------

    def record_of(self, session: Session) -> MediaRecord | None:
        """The library record of the session's media (None once it left the library)."""
        return self._library.get(session.media_id)
