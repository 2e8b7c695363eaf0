"""The store seam: callers speak to ``IStore`` so SQLite can be swapped for PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.defer import Deferred
from zope.interface import Interface

from revenge.store.accounts import User
from revenge.store.records import MediaRecord, Preferences, Progress, SessionRecord


class IStore(Interface):
    """Durable storage; every call runs off the reactor thread and answers with a Deferred."""

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

    def save_session(record: SessionRecord) -> Deferred[None]:
        """Insert or replace a session; committed when the Deferred fires."""

    def delete_session(session_id: str) -> Deferred[None]:
        """Forget a session."""

    def sessions() -> Deferred[list[SessionRecord]]:
        """Every persisted session."""

    def authenticate(token: str) -> Deferred[User | None]:
        """The user an API token belongs to; None for unknown, malformed or revoked."""

    def ensure_first_admin() -> Deferred[str | None]:
        """With no users yet, create ``admin`` and fire with its one-time token."""
