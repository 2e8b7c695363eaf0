"""The first start of a server with no users: make an admin and show how to get in.

Like notebook servers do: the one-time token and a ready-to-open URL go to the log once.
"""

from __future__ import annotations

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from revenge.store.interface import IStore

_log = Logger()


class FirstStartService(Service):
    """Creates the ``admin`` user and token when the store has no users."""

    name = "first-start"

    def __init__(self, store: IStore, *, public_url: str) -> None:
        self._store = store
        self._public_url = public_url

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        Deferred.fromCoroutine(self._ensure_admin()).addErrback(
            lambda f: _log.failure("creating the first admin failed", f))

    async def _ensure_admin(self) -> None:
        token = await self._store.ensure_first_admin()
        if token is not None:
            _log.warn(
                "first start: created user 'admin'. Its API token (shown once): {token}\n"
                "    Open {url}/#token={token} or send 'Authorization: Bearer {token}'. "
                "More users and tokens: revenge-admin --help",
                token=token, url=self._public_url,
            )
