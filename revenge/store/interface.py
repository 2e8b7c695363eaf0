"""The store seam: callers speak to ``IStore`` so SQLite can be swapped for PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

from revenge.store.accounts import User
from revenge.store.locks import Lease
from revenge.store.records import MediaRecord, Preferences, Progress, SessionRecord


class IStore(Interface):
    """Durable storage; every call runs off the reactor thread and answers with a Deferred."""

    shared = Attribute(
        "Whether other Revenge nodes use this store too (PostgreSQL): what it holds may "
        "change under this node, which must look again (``media_generation``).")

    def open() -> Deferred[None]:
        """Open (creating and migrating as needed)."""

    def close() -> Deferred[None]:
        """Finish pending work and close."""

    def is_open() -> bool:
        """Whether the store is open and usable (for ``/readyz``)."""

    def all_media() -> Deferred[list[MediaRecord]]:
        """Every indexed media record."""

    def save_media(records: Sequence[MediaRecord]) -> Deferred[None]:
        """Insert or replace records, atomically."""

    def delete_media(ids: Sequence[str]) -> Deferred[None]:
        """Forget records, atomically."""

    def media_generation() -> Deferred[int]:
        """A number that changes whenever ``save_media`` or ``delete_media`` commits."""

    def save_progress(user_id: str, media_id: str, position: float, at: float) -> Deferred[None]:
        """Record where ``user_id`` is in ``media_id``; committed when the Deferred fires."""

    def progress(user_id: str) -> Deferred[dict[str, float]]:
        """Every resume position of ``user_id``, by media id."""

    def recent_progress(user_id: str, limit: int) -> Deferred[list[Progress]]:
        """``user_id``'s last ``limit`` resume positions, most recently saved first."""

    def preferences(user_id: str) -> Deferred[Preferences]:
        """``user_id``'s preferences (none set: the defaults)."""

    def save_preferences(user_id: str, preferences: Preferences) -> Deferred[None]:
        """Replace ``user_id``'s preferences; committed when the Deferred fires."""

    def save_session(record: SessionRecord) -> Deferred[bool]:
        """Insert a session, or replace its row unless that row's ``last_activity_at`` is
        later (a newer copy another node wrote); fires, once committed, with whether it
        was written."""

    def delete_session(session_id: str) -> Deferred[None]:
        """Forget a session."""

    def session(session_id: str) -> Deferred[SessionRecord | None]:
        """One persisted session, or None."""

    def sessions(user_id: str | None = None) -> Deferred[list[SessionRecord]]:
        """Every persisted session (of ``user_id`` only, when given)."""

    def delete_idle_sessions(before: float) -> Deferred[int]:
        """Forget the sessions whose ``last_activity_at`` is earlier than ``before``; how
        many."""

    def authenticate(token: str) -> Deferred[User | None]:
        """The user an API token belongs to; None for unknown, malformed or revoked."""

    def ensure_first_admin() -> Deferred[str | None]:
        """With no users yet, create ``admin`` and fire with its one-time token."""

    def try_lock(name: str) -> Deferred[Lease | None]:
        """A lease on the lock ``name`` (one holder at a time, across every node sharing the
        store), or None while another holds it."""
