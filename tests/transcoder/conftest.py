"""Fixtures: the source served over real HTTP with Range support (token required), and a
Blackbeard on a loopback port with real ffmpeg."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.interfaces import IListeningPort
from twisted.web.resource import ErrorPage, IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request, Site
from twisted.web.static import File

from revenge.ffmpeg import ffmpeg_binary
from revenge.transcoder import BlackbeardService, Pacing, make_transcoder_service
from tests.loopback import listen, port_number, stop_listening

TOKEN_HEADER = "X-Revenge-Internal-Token"
TOKEN = "s3cret-token"


class _Guarded(Resource):
    """The clip, only for requests with the internal token, as Revenge's /internal/stream."""

    isLeaf = False

    def __init__(self, clip: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._file = File(str(clip))
        self.ranged = 0  # requests that carried a Range header

    def getChild(self, path: bytes, request: Request) -> IResource:
        if request.getHeader(TOKEN_HEADER) != TOKEN:
            return ErrorPage(403, "Forbidden", "no token")
        if request.getHeader("Range"):
            self.ranged += 1
        return self._file


class _Hang(Resource):
    """Never answers: an encoder reading it stays alive, working, and makes nothing."""

    isLeaf = True

    def render_GET(self, request: Request) -> int:
        return NOT_DONE_YET


@attrs.define
class Source:
    """The clip on loopback HTTP (and a URL that never answers)."""

    url: str
    headers: dict[str, str]
    resource: _Guarded
    hang_url: str


@attrs.define
class Blackbeard:
    """A started Blackbeard, its base URL and the source it reads."""

    service: BlackbeardService
    url: str
    source: Source
    work_dir: Path

    async def create(self, *, video: list[dict[str, Any]] | None = None,
                     audio: list[dict[str, Any]] | None = None, segment_duration: float = 2.0,
                     duration: float = 30.0, source_url: str | None = None,
                     **more: Any) -> str:
        """POST a transcode of the source (the 30 s test clip's tracks); its id."""
        body: dict[str, Any] = {**more,"source_url": source_url or self.source.url,
                "source_headers": self.source.headers, "source": clip_source(duration),
                "segment_duration": segment_duration, "video": video or [],
                "audio": audio or []}
        response = await treq.post(f"{self.url}/api/v1/transcodes",
                                   data=json.dumps(body).encode())
        assert response.code == 201, await response.text()
        transcode_id: str = (await response.json())["id"]
        return transcode_id

    def encoders(self) -> int:
        """ffmpeg processes alive."""
        return len(self.service.transcoder.encoders)


P240_COPY = {"name": "240p", "width": 320, "height": 240, "bitrate": 400_000, "codec": "copy"}
P144 = {"name": "144p", "width": 192, "height": 144, "bitrate": 150_000}
AUDIO = {"name": "audio-0", "track": 1, "bitrate": 64_000, "default": True}


def clip_source(duration: float) -> dict[str, Any]:
    """What Revenge would say of ``tests.media.make_clip``'s clips (H.264 + mono AAC)."""
    return {"duration": duration,
            "video": {"index": 0, "codec": "h264", "codec_string": "avc1.f4000d", "width": 320,
                      "height": 240, "frame_rate": 25.0},
            "audio": [{"index": 1, "codec": "aac", "codec_string": "mp4a.40.2", "channels": 1,
                       "channel_layout": "mono", "sample_rate": 48000}]}


def serve(clip: Path) -> tuple[Source, IListeningPort]:
    """Serve ``clip`` with Range support at ``/stream/clip.mp4`` (token needed)."""
    root = Resource()
    guarded = _Guarded(clip)
    root.putChild(b"stream", guarded)
    root.putChild(b"hang", _Hang())  # type: ignore[no-untyped-call]
    port = listen(Site(root))
    base = f"http://127.0.0.1:{port_number(port)}"
    return Source(f"{base}/stream/clip.mp4", {TOKEN_HEADER: TOKEN}, guarded, f"{base}/hang"), port


@pytest_twisted.async_yield_fixture
async def source(clip_30s: Path) -> AsyncIterator[Source]:
    """The 30 s clip on loopback HTTP."""
    served, port = serve(clip_30s)
    try:
        yield served
    finally:
        await stop_listening(port)


async def start_blackbeard(source: Source, work_dir: Path, **options: Any) -> Blackbeard:
    """Build and start a Blackbeard with test-sized ffmpeg settings."""
    options.setdefault("pacing", Pacing())
    service, url = make_transcoder_service(
        work_dir=work_dir, ffmpeg=ffmpeg_binary(), reactor=reactor, threads=1,
        preset="ultrafast", **options)
    service.startService()  # type: ignore[no-untyped-call]
    return Blackbeard(service, await url, source, work_dir)


@pytest_twisted.async_yield_fixture
async def blackbeard(source: Source, tmp_path: Path) -> AsyncIterator[Blackbeard]:
    """A Blackbeard with the default pacing, stopped (and checked clean) afterwards."""
    started = await start_blackbeard(source, tmp_path / "work")
    try:
        yield started
    finally:
        await started.service.stopService()
