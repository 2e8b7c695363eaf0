"""Sessions to and from the store: the record a session is saved as, the session a record
becomes again (on a restart, or on a node that never held it), and activity written often
enough that every node sharing the store sees a live session as live."""

from __future__ import annotations

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from revenge.config.model import PlaybackConfig
from revenge.library.service import LibraryService
from revenge.playback.session import Session, SessionOptions, State
from revenge.playback.session_ladder import session_ladder
from revenge.store.interface import IStore
from revenge.store.records import Preferences, SessionRecord

_log = Logger()
# Seconds between the activity writes requests imply (heartbeats write at once): well under
# the grace a session idle elsewhere is given before it may be stopped (``session_grace``).
ACTIVITY_EVERY = 30.0


@attrs.define(eq=False, kw_only=True)
class SessionPersistence:
    """Saves sessions (never over a newer copy) and makes them again from their records."""

    _store: IStore = attrs.field(alias="store")
    _library: LibraryService = attrs.field(alias="library")
    _clock: IReactorTime = attrs.field(alias="clock")
    settings: PlaybackConfig
    # Session id → its activity write under way; a stop waits for it before deleting the
    # row, so a late write never brings a stopped session back.
    _writing: dict[str, Deferred[bool]] = attrs.field(factory=dict, init=False)
    _saved_at: dict[str, float] = attrs.field(factory=dict, init=False)

    def session_of(self, record: SessionRecord) -> Session | None:
        """The session a record describes (its activity as recorded); None when it is
        stopped or its media is gone."""
        media = self._library.get(record.media_id)
        if media is None or record.state == State.STOPPED.value:
            return None
        options = SessionOptions(**{k: v for k, v in record.options.items()
                                    if k in SessionOptions.fields()})
        return Session(
            id=record.id,
            user_id=record.user_id,
            media_id=record.media_id,
            mode=record.options.get("mode", "transcode"),
            ladder=session_ladder(media, options, self.settings),
            options=options,
            created_at=record.created_at,
            last_activity_at=record.last_activity_at,
            state=State(record.state),
            position=record.position,
            progressed=record.position > 0,
            user_name=record.options.get("user_name", ""),
            client_address=record.options.get("client_address"),
            preferences=Preferences.from_json(record.options.get("preferences") or {}),
        )

    async def load(self, session_id: str) -> Session | None:
        """The session as the store has it (None: unknown, stopped, or its media gone)."""
        record = await self._store.session(session_id)
        return None if record is None else self.session_of(record)

    async def save(self, session: Session) -> bool:
        """Write the session now; False when the store holds a newer copy (another node
        served it since)."""
        self._saved_at[session.id] = self._clock.seconds()
        return await self._store.save_session(session.to_record())

    def note_activity(self, session: Session) -> None:
        """Write the session's activity (and position) in the background, at most every
        ``ACTIVITY_EVERY`` seconds."""
        now = self._clock.seconds()
        if now - self._saved_at.get(session.id, float("-inf")) < ACTIVITY_EVERY or \
                session.id in self._writing:
            return
        writing = Deferred.fromCoroutine(self.save(session))
        self._writing[session.id] = writing

        def done(result: object) -> None:
            self._writing.pop(session.id, None)

        # Never fails past here, so ``forget`` may wait for it.
        writing.addErrback(lambda f: _log.failure("saving session {session} failed", f,
                                                  session=session.id))
        writing.addBoth(done)

    async def forget(self, session_id: str) -> None:
        """Delete the session's row, once any write of it under way is done."""
        writing = self._writing.get(session_id)
        if writing is not None:
            await writing
        self._saved_at.pop(session_id, None)
        await self._store.delete_session(session_id)

    def let_go(self, session_id: str) -> None:
        """This node no longer holds the session; its row stays."""
        self._saved_at.pop(session_id, None)

