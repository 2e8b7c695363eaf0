"""``twistd blackbeard``: the transcoder on its own, for a separate transcoding box."""

from __future__ import annotations

from pathlib import Path

from twisted.application.service import IService
from twisted.python import usage


class Options(usage.Options):
    """Options of ``twistd blackbeard``."""

    optParameters = [
        ["listen", "l", "tcp:8081:interface=127.0.0.1", "Endpoint to listen on."],
        ["work-dir", "w", "blackbeard-work",
         "Directory for segments (leftovers cleared at start, emptied at stop)."],
        ["ffmpeg", None, None, "The ffmpeg binary (default: the one imageio-ffmpeg ships)."],
        ["max-encoders", None, 4, "ffmpeg processes allowed at once.", int],
        ["reap-after", None, 600.0, "Seconds after which an unused transcode is deleted.",
         float],
        ["threads", None, 2, "Threads each ffmpeg may use.", int],
    ]

    def postOptions(self) -> None:
        if self["max-encoders"] < 1:
            raise usage.UsageError("--max-encoders must be at least 1")
        if self["reap-after"] <= 0 or self["threads"] < 1:
            raise usage.UsageError("--reap-after and --threads must be positive")


def makeService(options: Options) -> IService:
    """The transcoder service and its listener, stopped cleanly on SIGTERM."""
    from twisted.internet import reactor

    from revenge.ffmpeg import ffmpeg_binary
    from revenge.rootservice import RootService
    from revenge.transcoder.embed import make_transcoder_service

    root = RootService(reactor=reactor)
    blackbeard, _ = make_transcoder_service(
        work_dir=Path(options["work-dir"]).resolve(), ffmpeg=ffmpeg_binary(options["ffmpeg"]),
        reactor=reactor, listen_endpoint=options["listen"],
        max_encoders=options["max-encoders"], reap_after=options["reap-after"],
        threads=options["threads"])
    blackbeard.setServiceParent(root)  # type: ignore[no-untyped-call]
    return root
