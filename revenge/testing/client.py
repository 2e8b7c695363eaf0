"""``Client``: HTTP requests to an in-memory resource through ``treq.testing.StubTreq``.

A request is pumped through the fake connection before the call returns. ``get``, ``post``,
``delete``, ``head`` and ``fetch`` want the answer then and there (everything behind the
resource answering at once, as the fakes of ``revenge.testing`` do by default) and return it
as an ``Answer``; ``request`` returns the Deferred instead, for an answer that waits on
something the test does next (then ``flush``).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from typing import Any

import attrs
from treq.testing import StubTreq
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

__all__ = ["ORIGIN", "Answer", "Client"]

ORIGIN = "http://revenge.test"
_NO_JSON: Any = object()


@attrs.frozen
class Answer:
    """A finished response: status, headers (names in lower case) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value (repeated ones joined by commas), or None."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body, decoded as JSON."""
        return jsonlib.loads(self.body)

    @property
    def error(self) -> str | None:
        """The ``error.code`` of a JSON error answer; None for any other answer."""
        try:
            doc = self.json()
        except ValueError:
            return None
        error = doc.get("error") if isinstance(doc, dict) else None
        return error.get("code") if isinstance(error, dict) else None


class Client:
    """Sends requests to ``stub``'s resource, with ``Authorization: Bearer TOKEN`` when it
    has a ``token``. Paths are taken relative to ``ORIGIN``."""

    def __init__(self, stub: StubTreq, *, token: str | None = None) -> None:
        self.stub = stub
        self.token = token
        # StubTreq makes its methods at run time, out of mypy's sight.
        self._treq: Any = stub

    def with_token(self, token: str | None) -> Client:
        """The same client for another token (None: no ``Authorization`` at all)."""
        return Client(self.stub, token=token)

    def flush(self) -> None:
        """Move every byte waiting on the in-memory connections."""
        self._treq.flush()

    def request(self, method: str, path: str, *, json: Any = _NO_JSON,
                body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Deferred[Answer]:
        """Send a request (a JSON ``json`` body, or raw ``body`` bytes); the Deferred fires
        with the answer once it is complete."""
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if json is not _NO_JSON:
            body = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        url = path if path.startswith(("http://", "https://")) else ORIGIN + path
        answer: Deferred[Answer] = self._treq.request(
            method, url, headers=sent, data=body).addCallback(self._collect)
        self.flush()
        return answer

    def _collect(self, response: Any) -> Deferred[Answer]:
        headers = {name.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
                   for name, values in response.headers.getAllRawHeaders()}
        body: Deferred[bytes] = self._treq.content(response)
        return body.addCallback(lambda data: Answer(response.code, headers, data))

    def fetch(self, method: str, path: str, **options: Any) -> Answer:
        """Any request, answered now (``request``'s options)."""
        results: list[Answer | Failure] = []
        self.request(method, path, **options).addBoth(results.append)
        if not results:
            raise AssertionError(
                f"{method} {path} is still waiting: on a segment fetch the test has to "
                "answer, or on a Clock to advance? Use request() and flush() for that")
        result = results[0]
        if isinstance(result, Failure):
            result.raiseException()
        assert isinstance(result, Answer)
        return result

    def get(self, path: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        """``GET path``, answered now."""
        return self.fetch("GET", path, headers=headers)

    def head(self, path: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        """``HEAD path``, answered now."""
        return self.fetch("HEAD", path, headers=headers)

    def post(self, path: str, json: Any = _NO_JSON, *, body: bytes | None = None,
             headers: Mapping[str, str] | None = None) -> Answer:
        """``POST path`` with a JSON body (or raw ``body``), answered now."""
        return self.fetch("POST", path, json=json, body=body, headers=headers)

    def delete(self, path: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        """``DELETE path``, answered now."""
        return self.fetch("DELETE", path, headers=headers)
