"""Short-lived signed tokens for URLs players fetch without headers (manifests, segments).

A token is ``{expires}.{mac}``: an HMAC-SHA256 over the subject (e.g. ``session:ID``) and the
expiry, so a token is bound to one session and one time window, and cannot be altered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import Enum

from twisted.internet.interfaces import IReactorTime

GOOD_TOKENS = 10_000  # valid tokens remembered (about 1 MB)


class Verdict(Enum):
    """What checking a token found."""

    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


class UrlSigner:
    """Signs and verifies subject-bound, expiring tokens with one secret key."""

    def __init__(self, key: bytes, *, clock: IReactorTime, ttl: float) -> None:
        self._key = key
        self._clock = clock
        self.ttl = ttl
        # Tokens found good, with their expiry: a player shows the same one on every
        # segment, and an HMAC a request was a fifth of a cached segment's own work.
        self._good: dict[tuple[str, str], int] = {}

    def _mac(self, subject: str, expires: int) -> str:
        digest = hmac.new(self._key, f"{subject}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")

    def sign(self, subject: str, *, granularity: int = 1) -> str:
        """A token for ``subject``, valid for ``ttl`` seconds from now; its expiry rounded up
        to a multiple of ``granularity`` seconds, so that a URL stays the same (and cached
        by browsers) that long."""
        expires = -(-int(self._clock.seconds() + self.ttl) // granularity) * granularity
        return f"{expires}.{self._mac(subject, expires)}"

    def verify(self, subject: str, token: str) -> Verdict:
        """Check ``token`` for ``subject``; the MAC comparison is constant-time."""
        now = self._clock.seconds()
        known = self._good.get((subject, token))
        if known is not None:
            return Verdict.VALID if now <= known else Verdict.EXPIRED
        expires_text, _, mac = token.partition(".")
        if not expires_text.isdigit() or len(expires_text) > 12 or not mac:
            return Verdict.INVALID
        expires = int(expires_text)
        if not hmac.compare_digest(mac.encode(), self._mac(subject, expires).encode()):
            return Verdict.INVALID
        if now > expires:
            return Verdict.EXPIRED
        if len(self._good) >= GOOD_TOKENS:  # bounded: forget them all, the next check anew
            self._good.clear()
        self._good[(subject, token)] = expires
        return Verdict.VALID
