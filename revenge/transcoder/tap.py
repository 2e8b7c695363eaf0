"""``twistd blackbeard``: the transcoder on its own, for a separate transcoding box."""

from __future__ import annotations

from pathlib import Path

from twisted.application.service import IService
from twisted.python import usage


class Options(usage.Options):
    """Options of ``twistd blackbeard``."""

    optParameters = [
        ["listen", "l", "tcp:8081:interface=127.0.0.1", "Endpoint to listen on."],
        ["work-dir", "w", "blackbeard-work", "Directory for segments (emptied at start)."],
        ["ffmpeg", None, None, "The ffmpeg binary (default: the one imageio-ffmpeg ships)."],
        ["max-encoders", None, 4, "ffmpeg processes allowed at once.", int],
    ]


def makeService(options: Options) -> IService:
    """The transcoder service and its listener."""
    from twisted.internet import reactor
    from twisted.web.server import Site

    from revenge.api.listener import listener
    from revenge.ffmpeg import ffmpeg_binary
    from revenge.rootservice import RootService
    from revenge.transcoder.app import build_app
    from revenge.transcoder.manager import TranscoderService

    root = RootService(reactor=reactor)
    transcoder = TranscoderService(work_dir=Path(options["work-dir"]).resolve(),
                                   ffmpeg=ffmpeg_binary(options["ffmpeg"]), reactor=reactor,
                                   max_encoders=options["max-encoders"])
    root.addService(transcoder)  # type: ignore[no-untyped-call]
    web = listener(options["listen"], Site(build_app(transcoder).resource()), reactor=reactor)
    root.addService(web)  # type: ignore[no-untyped-call]
    return root
