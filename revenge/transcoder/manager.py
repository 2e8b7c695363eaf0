"""The transcoder service: every transcode, the ffmpeg budget, reaping, and a clean stop."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.internet.threads import deferToThread
from twisted.logger import Logger

from revenge.blackbeard.contract import TranscodeRequest
from revenge.transcoder import metrics
from revenge.transcoder.command import Part, command
from revenge.transcoder.encoder import Encoder, Output
from revenge.transcoder.pacing import Pacing
from revenge.transcoder.transcode import ProfileState, Transcode

_log = Logger()
TRANSCODE_ID = re.compile(r"^[0-9a-f]{16}$")  # the ids this Blackbeard makes


class Busy(Exception):
    """Every ffmpeg slot is taken by an encoder that is working for someone."""


def _remove_trees(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


class TranscoderService(Service):
    """Owns the transcodes and their ffmpeg processes; the HTTP app is a thin layer over it.

    ``max_encoders`` bounds the ffmpeg processes alive at once; when all are taken, the
    paused one whose profile was asked for least recently is stopped to make room (its
    segments stay), and only if none is paused does a start fail with ``Busy``.
    A transcode nobody asked anything of for ``reap_after`` seconds is deleted.
    """

    name = "blackbeard"

    def __init__(
        self,
        *,
        work_dir: Path,
        ffmpeg: str,
        reactor: Any,
        max_encoders: int = 4,
        pacing: Pacing | None = None,
        reap_after: float = 600.0,
        threads: int = 2,
        preset: str = "veryfast",
    ) -> None:
        if max_encoders < 1:
            raise ValueError("max_encoders must be at least 1")
        self.work_dir = Path(work_dir).absolute()  # ffmpeg is told absolute paths
        self.max_encoders = max_encoders
        self.pacing = pacing or Pacing()
        self._ffmpeg = ffmpeg
        self._reactor = reactor
        self._reap_after = reap_after
        self._threads = threads
        self._preset = preset
        self.transcodes: dict[str, Transcode] = {}
        self._live: dict[Encoder, list[ProfileState]] = {}
        self._reapers: dict[str, IDelayedCall] = {}
        self._leftovers: Deferred[None] | None = None

    def startService(self) -> None:
        """Make the work directory and clear what an earlier process left in it."""
        super().startService()  # type: ignore[no-untyped-call]
        self.work_dir.mkdir(parents=True, exist_ok=True)
        # Listing is one cheap call; the removal itself goes to a thread. New transcode ids
        # are random, so they cannot collide with the names taken here.
        leftovers = [self.work_dir / n for n in os.listdir(self.work_dir)
                     if TRANSCODE_ID.match(n)]
        self._leftovers = deferToThread(_remove_trees, leftovers)
        self._leftovers.addErrback(lambda f: _log.failure("clearing the work dir failed", f))

    def stopService(self) -> Deferred[None]:
        """Stop every ffmpeg (SIGTERM, SIGKILL after a bound) and remove every file."""
        super().stopService()  # type: ignore[no-untyped-call]

        async def stop_all() -> None:
            for transcode_id in list(self.transcodes):
                await self.delete(transcode_id, grace=self.pacing.stop_grace)
            for encoder in list(self._live):  # stopped but not reaped yet
                await encoder.terminate(self.pacing.stop_grace)
            if self._leftovers is not None:
                await self._leftovers
            # Not empty (someone else's files) or already gone: leave it.
            with contextlib.suppress(OSError):
                os.rmdir(self.work_dir)

        return Deferred.fromCoroutine(stop_all())

    @property
    def encoders(self) -> list[Encoder]:
        """Every ffmpeg process alive (running, paused or being stopped)."""
        return list(self._live)

    def create(self, request: TranscodeRequest) -> Transcode:
        """Register a transcode; its encoders start when its segments are asked for."""
        transcode_id = secrets.token_hex(8)
        transcode = Transcode(transcode_id, request, directory=self.work_dir / transcode_id,
                              clock=self._reactor, pacing=self.pacing, spawn=self._spawn)
        self.transcodes[transcode_id] = transcode
        self._reapers[transcode_id] = self._reactor.callLater(
            self._reap_after, self._reap, transcode_id)
        _log.info("transcode {id} created: {count} segments of {d} s, profiles {profiles}",
                  id=transcode_id, count=request.segment_count, d=request.segment_duration,
                  profiles=",".join(p.name for p in request.renditions))
        return transcode

    def get(self, transcode_id: str) -> Transcode | None:
        """The transcode ``transcode_id``, marked as used (it is not reaped while used)."""
        transcode = self.transcodes.get(transcode_id)
        if transcode is not None:
            transcode.touch()
            reaper = self._reapers.get(transcode_id)
            if reaper is not None and reaper.active():
                reaper.reset(self._reap_after)
        return transcode

    async def delete(self, transcode_id: str, *, grace: float | None = None) -> bool:
        """Stop a transcode's encoders and remove its files; False if there is no such."""
        transcode = self.transcodes.pop(transcode_id, None)
        if transcode is None:
            return False
        reaper = self._reapers.pop(transcode_id, None)
        if reaper is not None and reaper.active():
            reaper.cancel()
        await transcode.close(grace=grace)
        await deferToThread(shutil.rmtree, transcode.directory, True)
        _log.info("transcode {id} deleted", id=transcode_id)
        return True

    def _reap(self, transcode_id: str) -> None:
        self._reapers.pop(transcode_id, None)
        _log.info("transcode {id} unused for {s} s: reaped", id=transcode_id,
                  s=self._reap_after)
        Deferred.fromCoroutine(self.delete(transcode_id)).addErrback(
            lambda f: _log.failure("reaping transcode {id} failed", f, id=transcode_id))

    async def _spawn(self, transcode: Transcode, members: list[tuple[ProfileState, int]],
                     reason: str) -> Encoder:
        """Start an ffmpeg making ``members`` (each from its segment) within the budget."""
        while len([e for e in self._live if not e.stopping]) >= self.max_encoders:
            victim = self._least_wanted_paused()
            if victim is None:
                metrics.BUSY.inc()
                raise Busy(f"all {self.max_encoders} encoders are working")
            names = []
            for victim_state in self._live[victim]:
                names.append(victim_state.profile.name)
                if victim_state.encoder is victim:
                    victim_state.encoder = None
            _log.info("encoder budget full: stopping a paused encoder of {profile}",
                      profile=",".join(names))
            victim.kill()
        outputs, parts = [], []
        for state, start in members:
            directory = transcode.run_directory(state)
            directory.mkdir(parents=True, exist_ok=True)
            parts.append(Part(state.profile, start, directory))
            outputs.append(Output(state.profile.name, directory, start, functools.partial(
                transcode.segment_finished, state)))
        run = command(transcode.request, parts, ffmpeg=self._ffmpeg, threads=self._threads,
                      preset=self._preset)
        states = [state for state, _ in members]

        def ended(encoder: Encoder) -> None:
            self._live.pop(encoder, None)
            for state in states:
                transcode.encoder_ended(state, encoder)

        encoder = Encoder(reactor=self._reactor, command=run, outputs=outputs,
                          timeline=transcode.request.timeline, on_end=ended)
        self._live[encoder] = states
        return encoder

    def _least_wanted_paused(self) -> Encoder | None:
        paused = [(max(s.last_demand for s in states), id(e), e)
                  for e, states in self._live.items() if e.paused and not e.stopping]
        return min(paused)[2] if paused else None
