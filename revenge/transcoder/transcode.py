"""One transcode: its profiles' finished segments and encoders, paced by demand.

Demand pacing, not fire-and-forget: an encoder starts at the first segment asked for, is
paused once it is ``lookahead`` segments past the furthest segment anyone asked for, and is
stopped when nobody asked anything of its profile for ``idle_after`` seconds (its segments
stay). A request far from the encoder's position restarts it there (a seek); a request after
a crash restarts it at the missing segment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from revenge.blackbeard.contract import (
    Profile,
    TranscodeRequest,
    TranscodeState,
    TranscodeStatus,
)
from revenge.transcoder import metrics
from revenge.transcoder.encoder import Encoder

_log = Logger()


class NotYet(Exception):
    """The segment is not written yet; ask again shortly."""


@attrs.frozen
class Pacing:
    """How far encoders run ahead, when they stop, and how long a request waits."""

    lookahead: int = 8
    idle_segments: float = 3.0  # x segment duration without requests → stop the encoder
    wait: float = 15.0


@attrs.define
class ProfileState:
    """A profile's finished segments, its encoder and who waits for what."""

    profile: Profile
    segments: dict[int, Path] = attrs.field(factory=dict)
    encoder: Encoder | None = None
    waiters: dict[int, list[Deferred[Path]]] = attrs.field(factory=dict)
    furthest: int = -1
    last_request_at: float = 0.0
    runs: int = 0


SpawnEncoder = Callable[["Transcode", ProfileState, int, str], Encoder]


class Transcode:
    """The state of one ``POST /api/v1/transcodes``."""

    def __init__(self, transcode_id: str, request: TranscodeRequest, *, directory: Path,
                 clock: IReactorTime, pacing: Pacing, spawn: SpawnEncoder) -> None:
        self.id = transcode_id
        self.request = request
        self.directory = directory
        self._clock = clock
        self._pacing = pacing
        self._spawn = spawn
        self.profiles = {p.name: ProfileState(p) for p in request.profiles}
        self.errors: list[str] = []
        self.last_activity = clock.seconds()

    @property
    def segment_count(self) -> int:
        return self.request.segment_count

    @property
    def encoders(self) -> list[Encoder]:
        return [s.encoder for s in self.profiles.values() if s.encoder is not None]

    async def segment(self, profile: str, index: int) -> Path:
        """The finished segment's file, waiting (bounded) while it is made."""
        state = self.profiles[profile]
        now = self._clock.seconds()
        self.last_activity = state.last_request_at = now
        state.furthest = max(state.furthest, index)
        if index in state.segments:
            self._pace(state)
            return state.segments[index]
        encoder = state.encoder
        if encoder is None:
            reason = "start" if not state.runs else "resume"
            await self._restart(state, index, reason)
        elif index < encoder.start or index > encoder.position + 1 + self._pacing.lookahead:
            await self._restart(state, index, "seek")
        self._pace(state)
        waiter: Deferred[Path] = Deferred()
        state.waiters.setdefault(index, []).append(waiter)
        waiter.addTimeout(self._pacing.wait, self._clock)
        try:
            return await waiter
        except Exception as e:
            raise NotYet(str(e) or type(e).__name__) from None

    async def _restart(self, state: ProfileState, index: int, reason: str) -> None:
        if state.encoder is not None:
            old, state.encoder = state.encoder, None
            await old.stop()
        state.runs += 1
        state.encoder = self._spawn(self, state, index, reason)
        metrics.ENCODER_STARTS.labels(reason).inc()
        _log.info("transcode {id} {profile}: encoder {reason} at segment {index}",
                  id=self.id, profile=state.profile.name, reason=reason, index=index)

    def run_directory(self, state: ProfileState) -> Path:
        """Each run writes apart, so a restart never rewrites a file being served."""
        return self.directory / state.profile.name / f"run{state.runs}"

    def segment_ended(self, state: ProfileState, index: int, path: Path) -> None:
        """An encoder finished a segment."""
        state.segments.setdefault(index, path)
        for waiter in state.waiters.pop(index, []):
            if not waiter.called:
                waiter.callback(state.segments[index])
        self._pace(state)

    def encoder_ended(self, state: ProfileState, encoder: Encoder, error: str | None) -> None:
        """An encoder exited: finished, killed by us, or crashed."""
        if state.encoder is encoder:
            state.encoder = None
        if error is not None and encoder.alive is False and state.encoder is None:
            self.errors.append(f"{state.profile.name}: {error}"[-500:])
            _log.warn("transcode {id} {profile}: encoder ended: {error}", id=self.id,
                      profile=state.profile.name, error=error)
        for index, waiters in list(state.waiters.items()):
            if index not in state.segments and state.encoder is None:
                del state.waiters[index]
                for waiter in waiters:
                    if not waiter.called:
                        waiter.errback(NotYet("the encoder stopped"))

    def _pace(self, state: ProfileState) -> None:
        encoder = state.encoder
        if encoder is None:
            return
        if encoder.position >= state.furthest + self._pacing.lookahead:
            encoder.pause()
        else:
            encoder.resume()

    def stop_idle_encoders(self) -> None:
        """Stop encoders nobody has asked anything of for a while (segments stay)."""
        limit = self._pacing.idle_segments * self.request.segment_duration
        now = self._clock.seconds()
        for state in self.profiles.values():
            if state.encoder is not None and now - state.last_request_at > limit:
                _log.info("transcode {id} {profile}: no demand, encoder stopped", id=self.id,
                          profile=state.profile.name)
                encoder, state.encoder = state.encoder, None
                encoder.stop()

    async def close(self) -> None:
        """Stop every encoder and wait until they are gone."""
        for state in self.profiles.values():
            if state.encoder is not None:
                encoder, state.encoder = state.encoder, None
                await encoder.stop()
            for waiters in state.waiters.values():
                for waiter in waiters:
                    if not waiter.called:
                        waiter.errback(NotYet("the transcode was deleted"))
            state.waiters.clear()

    def status(self) -> TranscodeStatus:
        """Where each profile stands."""
        last: dict[str, int] = {}
        for name, profile_state in self.profiles.items():
            index = -1
            while index + 1 in profile_state.segments:
                index += 1
            last[name] = index
        done = all(v == self.segment_count - 1 for v in last.values())
        running = any(s.encoder is not None and not s.encoder.paused
                      for s in self.profiles.values())
        state: TranscodeState = "finished" if done else "running" if running else "paused"
        if len(self.errors) > 3 and not running and not done:
            state = "failed"
        return TranscodeStatus(self.id, state, self.segment_count, last, tuple(self.errors))
