"""Who is asking: ``Authorization: Bearer TOKEN`` checked against the store on each request.

Checking the store every time (one indexed lookup on the store's thread) makes a revoked
token stop working at once, even when ``revenge-admin`` revoked it from outside.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.web.iweb import IRequest

from revenge.api.errors import ApiError
from revenge.store.accounts import User
from revenge.store.interface import IStore


class Authenticator:
    """Turns a request's bearer token into a user, or a 401."""

    def __init__(self, store: IStore) -> None:
        self._store = store

    async def user(self, request: IRequest) -> User:
        """The user behind ``request``; 401 JSON for a missing, unknown or revoked token."""
        header = request.getHeader(b"authorization") or b""
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "send Authorization: Bearer TOKEN",
                           WWW_Authenticate='Bearer realm="revenge"')
        user = await self._store.authenticate(token.strip())
        if user is None:
            raise ApiError(401, "unauthorized", "the token is unknown or revoked",
                           WWW_Authenticate='Bearer realm="revenge", error="invalid_token"')
        return user

    async def admin(self, request: IRequest) -> User:
        """Like ``user``, but a non-admin gets a 403."""
        user = await self.user(request)
        if not user.is_admin:
            raise ApiError(403, "forbidden", "this needs an admin token")
        return user


async def signed_or_bearer(request: IRequest, auth: Authenticator,
                           valid: Callable[[str], bool]) -> None:
    """Let in a request whose ``?t=`` token is ``valid``, else one with a bearer token
    (an ``<img>`` or ``<video>`` cannot send headers; an API client can)."""
    token = (request.args.get(b"t") or [b""])[0].decode("ascii", "replace")
    if not token or not valid(token):
        await auth.user(request)
