"""Responses to a parsed request head written without a twisted.web ``Request``.

A route may answer its hottest requests this way (``RevengeSite.direct``): the internal
stream's plain reads and the players' segments, where twisted.web's request machinery cost
as much as the route itself. It takes only the heads it can answer exactly as its
twisted.web resource would (a GET over HTTP/1.1 keep-alive, nothing it does not know) and
leaves every other to that resource.

``DirectRequest`` is what such a response needs of a ``Request``, with twisted.web's
semantics: its headers are a real ``Headers`` set through ``setHeader``, its head is written
by the channel's ``writeHeaders`` at the first ``write``, and the channel's queue, the body
writer (on the zero-copy transport, the only one a channel answers directly on) and the
site's accounting treat it as any other request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.http import NO_BODY_CODES, RESPONSES
from twisted.web.http_headers import Headers, _nameEncoder

from revenge.api.response_headers import CORS_HEADERS, DATE, stored_at_once

if TYPE_CHECKING:
    from revenge.api.channel import RevengeChannel
    from revenge.api.request_head import Head

_log = Logger()


def directable(head: Head) -> dict[bytes, bytes] | None:
    """The request headers of ``head`` (the last of each, by canonical name, as
    ``getHeader`` reads them) when a direct answer can take it: a GET over HTTP/1.1 that
    keeps the connection and asks no interim answer (``Expect``), the only kind of request
    ``DirectRequest`` answers as twisted.web would; None for any other."""
    if head.command != b"GET" or head.version != b"HTTP/1.1":
        return None
    headers = dict(head.headers)
    if b"Expect" in headers \
            or headers.get(b"Connection", b"keep-alive").lower() != b"keep-alive":
        return None
    return headers


class DirectRequest:
    """A response under way on ``channel`` to ``head`` (a GET over HTTP/1.1 keep-alive),
    whose request headers are ``headers`` (by canonical name, the last of each)."""

    code = 200
    code_message = b"OK"
    startedWriting = False
    logged = False  # the site's access accounting, as for any request

    def __init__(self, channel: RevengeChannel, head: Head, headers: dict[bytes, bytes], *,
                 route: str) -> None:
        self.channel = channel
        self.method = head.command
        self.uri = head.path
        self.path = head.path.partition(b"?")[0]
        self.clientproto = head.version
        self.route = route
        self.responseHeaders = Headers()
        self.sentLength = 0
        self.finished = False
        self._disconnected = False
        self.started = time.monotonic()
        self._headers = headers
        self._watchers: list[Deferred[None]] = []
        self._site = site = channel.site
        site.in_flight.add(self)
        # As RevengeRequest.process and RevengeSite.getResourceFor, before any route's.
        site.identity.store(self)
        self.setHeader(b"Date", DATE.now())
        if site.cors and b"Origin" in headers:
            CORS_HEADERS.store(self)
        channel.begin_direct(self)

    def getHeader(self, name: bytes) -> bytes | None:
        return self._headers.get(_nameEncoder.encode(name))

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        self.code = code
        self.code_message = message or RESPONSES.get(code, b"Unknown Status")

    def setHeader(self, name: bytes, value: bytes) -> None:
        if not stored_at_once(self, name, value):
            self.responseHeaders.setRawHeaders(name, [value])

    def notifyFinish(self) -> Deferred[None]:
        """Fires when the response is complete; fails if the client goes first."""
        watcher: Deferred[None] = Deferred()
        self._watchers.append(watcher)
        return watcher

    def write(self, data: bytes) -> None:
        if self.finished:
            raise RuntimeError("write after finish")
        if self._disconnected:
            return
        if not self.startedWriting:
            self.startedWriting = True
            headers = self.responseHeaders
            if self.code not in NO_BODY_CODES and not headers.hasHeader(b"Content-Length"):
                # twisted.web would chunk it; a direct route always says its length (and
                # its type: twisted.web's text/html default is not reproduced).
                _log.error("a direct response without Content-Length on {route}",
                           route=self.route)
                transport = self.channel.transport
                if transport is not None:
                    transport.abortConnection()  # type: ignore[attr-defined]
                return
            self.channel.writeHeaders(self.clientproto, b"%d" % self.code, self.code_message,
                                      headers)
        self.sentLength += len(data)
        if data:
            self.channel.write(data)  # type: ignore[no-untyped-call]

    def finish(self) -> None:
        if self.finished:
            raise RuntimeError("finish called twice")
        if self._disconnected:
            return
        if not self.startedWriting:
            self.write(b"")
        self.finished = True
        self._site.in_flight.discard(self)
        self._site.log_request(self, aborted=False)
        self.channel.requestDone(self)  # type: ignore[no-untyped-call]
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            watcher.callback(None)

    def connectionLost(self, reason: Failure) -> None:
        """The client went before the end (told by the channel)."""
        self._disconnected = True
        if self.finished:
            return
        self._site.in_flight.discard(self)
        self._site.log_request(self, aborted=True)
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            watcher.errback(reason)
