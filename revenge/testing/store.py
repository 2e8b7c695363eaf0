"""``MemoryStore``: an ``IStore`` in a few dictionaries, behaving as ``SQLiteStore`` does.

Every call answers with an already-fired Deferred, so a test needs no reactor. What it keeps
survives ``close`` and ``open`` (as a database file would), what it hands back are copies
(as rows read back are), a media path is kept once (as the schema's ``UNIQUE`` does), and a
call on a closed store fails with the ``RuntimeError`` ``SQLiteStore`` raises for it. Users and
tokens follow ``revenge.store.accounts``' rules: the same names, the same token shape, only
a hash of each secret kept; ``add_user``, ``create_token`` and ``revoke_token`` are what
``revenge-admin`` does to a real store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar

import attrs
from twisted.internet.defer import Deferred, fail, succeed
from zope.interface import implementer

from revenge.store import accounts
from revenge.store.accounts import AccountError, User
from revenge.store.interface import IStore
from revenge.store.locks import Lease, LocalLocks
from revenge.store.records import (
    MediaRecord,
    Preferences,
    ProbeResult,
    Progress,
    SessionRecord,
    Sidecar,
)

__all__ = ["MemoryStore"]

T = TypeVar("T")


@attrs.define
class _Token:
    user_id: str
    secret_hash: str
    label: str
    revoked: bool = False


def _copy_media(record: MediaRecord) -> MediaRecord:
    """The record as it reads back from a store: its probe and sidecars rebuilt from JSON."""
    probe = ProbeResult.from_json(json.loads(json.dumps(record.probe.to_json())))
    sidecars = tuple(Sidecar.from_json(json.loads(json.dumps(s.to_json())))
                     for s in record.sidecars)
    return attrs.evolve(record, probe=probe, sidecars=sidecars)


def _copy_session(record: SessionRecord) -> SessionRecord:
    return attrs.evolve(record, options=json.loads(json.dumps(record.options)))


@implementer(IStore)
class MemoryStore:
    """Media, progress, sessions, users and tokens in memory; nothing touches a disk.

    ``shared``: behave as a store several nodes use (two harnesses on one are two nodes).
    """

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = shared
        self._open = False
        self._media: dict[str, MediaRecord] = {}
        self._media_generation = 0
        self._locks = LocalLocks()
        self._progress: dict[tuple[str, str], tuple[float, float]] = {}
        self._preferences: dict[str, Preferences] = {}
        self._sessions: dict[str, SessionRecord] = {}
        self._users: dict[str, User] = {}
        self._tokens: dict[str, _Token] = {}

    def _run(self, work: Callable[[], T]) -> Deferred[T]:
        if not self._open:
            return fail(RuntimeError("the store is closed"))
        try:
            return succeed(work())
        except Exception as e:
            return fail(e)

    # -- IStore ------------------------------------------------------------------------------

    def open(self) -> Deferred[None]:
        self._open = True
        return succeed(None)

    def close(self) -> Deferred[None]:
        self._open = False
        return succeed(None)

    def is_open(self) -> bool:
        return self._open

    def all_media(self) -> Deferred[list[MediaRecord]]:
        return self._run(lambda: [_copy_media(r) for r in self._media.values()])

    def save_media(self, records: Sequence[MediaRecord]) -> Deferred[None]:
        def write() -> None:
            copies = [_copy_media(r) for r in records]  # fails before anything changes
            for record in copies:
                # Paths are unique, as in the SQL schema: a record replaces its path's.
                for other in [i for i, r in self._media.items() if r.path == record.path]:
                    del self._media[other]
                self._media.pop(record.id, None)  # a replaced row goes to the end
                self._media[record.id] = record
            self._media_generation += 1

        return self._run(write)

    def delete_media(self, ids: Sequence[str]) -> Deferred[None]:
        def delete() -> None:
            for media_id in ids:
                self._media.pop(media_id, None)
            self._media_generation += 1

        return self._run(delete)

    def media_generation(self) -> Deferred[int]:
        return self._run(lambda: self._media_generation)

    def save_progress(
        self, user_id: str, media_id: str, position: float, at: float
    ) -> Deferred[None]:
        def write() -> None:
            self._progress[(user_id, media_id)] = (position, at)

        return self._run(write)

    def progress(self, user_id: str) -> Deferred[dict[str, float]]:
        return self._run(lambda: {media: position for (user, media), (position, _)
                                  in self._progress.items() if user == user_id})

    def recent_progress(self, user_id: str, limit: int) -> Deferred[list[Progress]]:
        def read() -> list[Progress]:
            mine = [Progress(media, position, at) for (user, media), (position, at)
                    in self._progress.items() if user == user_id]
            return sorted(mine, key=lambda p: (-p.at, p.media_id))[:limit]

        return self._run(read)

    def preferences(self, user_id: str) -> Deferred[Preferences]:
        return self._run(lambda: self._preferences.get(user_id, Preferences()))

    def save_preferences(self, user_id: str, preferences: Preferences) -> Deferred[None]:
        def write() -> None:
            self._preferences[user_id] = preferences

        return self._run(write)

    def save_session(self, record: SessionRecord) -> Deferred[bool]:
        def write() -> bool:
            copy = _copy_session(record)
            found = self._sessions.get(record.id)
            if found is not None and found.last_activity_at > record.last_activity_at:
                return False
            self._sessions[record.id] = copy
            return True

        return self._run(write)

    def delete_session(self, session_id: str) -> Deferred[None]:
        def delete() -> None:
            self._sessions.pop(session_id, None)

        return self._run(delete)

    def session(self, session_id: str) -> Deferred[SessionRecord | None]:
        def read() -> SessionRecord | None:
            found = self._sessions.get(session_id)
            return None if found is None else _copy_session(found)

        return self._run(read)

    def sessions(self, user_id: str | None = None) -> Deferred[list[SessionRecord]]:
        return self._run(lambda: [_copy_session(r) for r in self._sessions.values()
                                  if user_id is None or r.user_id == user_id])

    def delete_idle_sessions(self, before: float) -> Deferred[int]:
        def delete() -> int:
            idle = [i for i, r in self._sessions.items() if r.last_activity_at < before]
            for session_id in idle:
                del self._sessions[session_id]
            return len(idle)

        return self._run(delete)

    def authenticate(self, token: str) -> Deferred[User | None]:
        return self._run(lambda: self._authenticate(token))

    def ensure_first_admin(self) -> Deferred[str | None]:
        def ensure() -> str | None:
            if self._users:
                return None
            self.add_user("admin", admin=True)
            return self.create_token("admin", label="first start")

        return self._run(ensure)

    def try_lock(self, name: str) -> Deferred[Lease | None]:
        if not self._open:
            return fail(RuntimeError("the store is closed"))
        return self._locks.try_lock(name)

    # -- accounts, as ``revenge-admin`` manages them -------------------------------------------

    def add_user(self, name: str, *, admin: bool = False) -> User:
        """Create a user; ``AccountError`` for a bad or taken name."""
        user = accounts.new_user(name, admin=admin)
        if any(u.name == name for u in self._users.values()):
            raise AccountError(f"user {name!r} exists already")
        self._users[user.id] = user
        return user

    def create_token(self, name: str, *, label: str = "") -> str:
        """A new token for user ``name``; the returned text is the only copy of its secret."""
        user = next((u for u in self._users.values() if u.name == name), None)
        if user is None:
            raise AccountError(f"no user {name!r}")
        token = accounts.new_token()
        self._tokens[token.id] = _Token(user.id, token.secret_hash, label)
        return token.text

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token at once; ``AccountError`` when no active token has this id."""
        found = self._tokens.get(token_id)
        if found is None or found.revoked:
            raise AccountError(f"no active token {token_id!r}")
        found.revoked = True

    def _authenticate(self, token: str) -> User | None:
        parsed = accounts.parse_token(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        found = self._tokens.get(token_id)
        if found is None or found.revoked:
            return None
        if not accounts.secret_matches(found.secret_hash, secret):
            return None
        return self._users[found.user_id]
