"""The transcoder service: every transcode, the ffmpeg budget, idle cleanup, clean stop."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThread
from twisted.logger import Logger

from revenge.blackbeard.contract import TranscodeRequest
from revenge.transcoder.encoder import Encoder, ffmpeg_arguments, remove_partial
from revenge.transcoder.transcode import Pacing, ProfileState, Transcode

_log = Logger()


class Busy(Exception):
    """Every ffmpeg slot is taken."""


class TranscoderService(Service):
    """Owns the transcodes; the HTTP app is a thin layer over this."""

    name = "blackbeard"

    def __init__(self, *, work_dir: Path, ffmpeg: str, reactor: Any, max_encoders: int = 4,
                 pacing: Pacing = Pacing(), reap_after: float = 600.0,  # noqa: B008
                 threads: int = 2) -> None:
        self.work_dir = work_dir
        self._ffmpeg = ffmpeg
        self._reactor = reactor
        self.max_encoders = max_encoders
        self._pacing = pacing
        self._reap_after = reap_after
        self._threads = threads
        self.transcodes: dict[str, Transcode] = {}
        self._reaper = LoopingCall(self.reap)
        self._reaper.clock = reactor

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._reaper.start(1.0, now=False).addErrback(
            lambda f: _log.failure("transcode reaper failed", f))

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._reaper.running:
            self._reaper.stop()

        async def stop_all() -> None:
            for transcode_id in list(self.transcodes):
                await self.delete(transcode_id)

        return Deferred.fromCoroutine(stop_all())

    @property
    def encoders(self) -> list[Encoder]:
        """Every live ffmpeg."""
        return [e for t in self.transcodes.values() for e in t.encoders]

    def create(self, request: TranscodeRequest) -> Transcode:
        """Register a transcode; encoders start when segments are asked for."""
        transcode_id = secrets.token_hex(8)
        transcode = Transcode(transcode_id, request, directory=self.work_dir / transcode_id,
                              clock=self._reactor, pacing=self._pacing, spawn=self._spawn)
        self.transcodes[transcode_id] = transcode
        _log.info("transcode {id} created: {count} segments, profiles {profiles}",
                  id=transcode_id, count=request.segment_count,
                  profiles=",".join(p.name for p in request.profiles))
        return transcode

    def _spawn(self, transcode: Transcode, state: ProfileState, start: int,
               reason: str) -> Encoder:
        if len(self.encoders) >= self.max_encoders:
            raise Busy(f"all {self.max_encoders} encoders are busy")
        directory = transcode.run_directory(state)
        arguments = ffmpeg_arguments(self._ffmpeg, transcode.request, state.profile, start,
                                     directory, threads=self._threads)

        def ended(encoder: Encoder, error: str | None) -> None:
            transcode.encoder_ended(state, encoder, error)
            if error is not None and directory.exists():
                done = {i for i, p in state.segments.items() if p.parent == directory}
                deferToThread(remove_partial, directory, done).addErrback(
                    lambda f: _log.failure("cleaning a dead encoder's files failed", f))

        return Encoder(reactor=self._reactor, arguments=arguments, directory=directory,
                       start=start, on_segment=lambda i, p: transcode.segment_ended(state, i, p),
                       on_end=ended)

    async def delete(self, transcode_id: str) -> bool:
        """Stop a transcode's encoders and remove its files; False if unknown."""
        transcode = self.transcodes.pop(transcode_id, None)
        if transcode is None:
            return False
        await transcode.close()
        await deferToThread(shutil.rmtree, transcode.directory, True)
        _log.info("transcode {id} deleted", id=transcode_id)
        return True

    def reap(self) -> None:
        """Stop encoders without demand; delete transcodes idle for ``reap_after``."""
        now = self._reactor.seconds()
        for transcode in list(self.transcodes.values()):
            transcode.stop_idle_encoders()
            if now - transcode.last_activity > self._reap_after:
                _log.info("transcode {id} idle, reaping", id=transcode.id)
                Deferred.fromCoroutine(self.delete(transcode.id))
