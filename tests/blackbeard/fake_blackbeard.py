"""An in-memory Blackbeard that follows the contract (docs/blackbeard-contract.md)."""

from __future__ import annotations

import json
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request

from revenge.blackbeard.contract import ContractError, TranscodeRequest, TranscodeStatus


class FakeBlackbeard(Resource):
    """Transcodes whose segments are ``b"<profile>/<index>"``, all written at once."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.transcodes: dict[str, TranscodeRequest] = {}
        self.deleted: list[str] = []

    def render(self, request: Request) -> bytes:
        parts = request.path.decode().split("/")[3:]  # after /api/v1/
        method = request.method.decode()
        if parts == ["health"] and method == "GET":
            return self._json(request, 200, {"status": "ok"})
        if parts == ["transcodes"] and method == "POST":
            return self._create(request)
        if len(parts) < 2 or parts[0] != "transcodes":
            return self._error(request, 404, "not_found")
        found = self.transcodes.get(parts[1])
        if found is None:
            return self._error(request, 404, "transcode_not_found")
        rest = parts[2:]
        if not rest and method == "DELETE":
            del self.transcodes[parts[1]]
            self.deleted.append(parts[1])
            request.setResponseCode(204)
            return b""
        if not rest:
            status = TranscodeStatus(
                id=parts[1], state="finished", segment_count=found.segment_count,
                last_segment={p.name: found.segment_count - 1 for p in found.renditions})
            return self._json(request, 200, status.to_json())
        if rest == ["master.m3u8"]:
            return self._body(request, b"#EXTM3U\n" + b"".join(
                p.name.encode() + b"/index.m3u8\n" for p in found.renditions))
        profile, name = rest
        if profile not in {p.name for p in found.renditions}:
            return self._error(request, 404, "profile_not_found")
        if name == "index.m3u8":
            return self._body(request, b"#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-ENDLIST\n")
        index = name.removesuffix(".ts")
        if not index.isdigit() or int(index) >= found.segment_count:
            return self._error(request, 404, "segment_not_found")
        return self._body(request, f"{profile}/{index}".encode())

    def _create(self, request: Request) -> bytes:
        assert request.content is not None  # the body has arrived by the time of render
        try:
            body = TranscodeRequest.from_json(json.loads(request.content.read()))
        except (ValueError, ContractError) as e:
            return self._error(request, 400, "bad_request", str(e))
        transcode_id = f"t{len(self.transcodes) + len(self.deleted) + 1}"
        self.transcodes[transcode_id] = body
        return self._json(request, 201, {"id": transcode_id})

    @staticmethod
    def _body(request: Request, body: bytes) -> bytes:
        request.setHeader(b"Content-Length", str(len(body)).encode())
        return body

    def _json(self, request: Request, status: int, doc: Any) -> bytes:
        request.setResponseCode(status)
        request.setHeader(b"Content-Type", b"application/json")
        return self._body(request, json.dumps(doc).encode())

    def _error(self, request: Request, status: int, code: str, message: str = "") -> bytes:
        return self._json(request, status, {"error": {"code": code, "message": message or code}})
