"""One transcode: each profile's finished segments and encoder, paced by demand.

An encoder starts at the first segment asked for and is paused (SIGSTOP) once it works a
lookahead past the furthest segment asked for. A request far from it, or behind where it
started, restarts it there (a seek). A profile nobody asked a segment of for
``idle_segments`` segment durations loses its encoder; its finished segments stay, and
asking again resumes at the first missing one. An encoder that dies is restarted at the
missing segment, by whoever waits for one or by the next request.

H.264 profiles whose runs are (or are wanted) within ``join`` segments of each other share
one ffmpeg, which decodes the source once; it pauses only once every profile it makes is
far enough ahead, and a profile that seeks away or goes idle leaves it (the others go on
in a run of their own from where they were).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import attrs
from twisted.internet.defer import Deferred, DeferredLock, TimeoutError
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.threads import deferToThread
from twisted.logger import Logger

from revenge.blackbeard.contract import (
    Rendition,
    TranscodeRequest,
    TranscodeState,
    TranscodeStatus,
    VideoProfile,
)
from revenge.transcoder import metrics
from revenge.transcoder.command import shareable
from revenge.transcoder.encoder import Encoder, Output, remove_unfinished
from revenge.transcoder.pacing import Pacing, first_missing, needs_seek, should_pause

_log = Logger()
# Consecutive crashes without a finished segment before a profile's requests fail.
MAX_CRASHES = 3


class NotYet(Exception):
    """The segment is not written yet; ask again shortly."""


class EncoderFailed(Exception):
    """ffmpeg keeps failing for this rendition: the source is unreadable or broken. A fault
    of this media, not of the transcoder."""


@attrs.define(eq=False)
class ProfileState:
    """A rendition's finished segments, its encoder and the requests waiting on it."""

    profile: Rendition
    directory: Path
    segments: dict[int, Path] = attrs.field(factory=dict)
    encoder: Encoder | None = None
    waiters: dict[int, list[Deferred[Path]]] = attrs.field(factory=dict)
    furthest: int = -1
    runs: int = 0
    crashes: int = 0
    last_demand: float = 0.0
    idle_timer: IDelayedCall | None = None

    @property
    def output(self) -> Output | None:
        """What the profile's encoder makes of it, while it has one."""
        return self.encoder.outputs[self.profile.name] if self.encoder is not None else None


# (transcode, [(profile state, its first segment)], reason) -> a started encoder making
# them all; raises Busy.
SpawnEncoder = Callable[["Transcode", list[tuple[ProfileState, int]], str],
                        Awaitable[Encoder]]


class Transcode:
    """The state of one ``POST /api/v1/transcodes``."""

    def __init__(self, transcode_id: str, request: TranscodeRequest, *, directory: Path,
                 clock: IReactorTime, pacing: Pacing, spawn: SpawnEncoder) -> None:
        self.id = transcode_id
        self.request = request
        self.directory = directory
        self.errors: list[str] = []
        self.closed = False
        self._clock = clock
        self._pacing = pacing
        self._spawn = spawn
        # Directories are named by position, never by anything a request carries.
        self.profiles = {p.name: ProfileState(p, directory / f"p{i}")
                         for i, p in enumerate(request.renditions)}
        self.last_activity = clock.seconds()
        # Starts and stops of encoders, one at a time: a run may serve several profiles.
        self._lock = DeferredLock()

    @property
    def segment_count(self) -> int:
        """Segments in each profile's playlist."""
        return self.request.segment_count

    @property
    def encoders(self) -> list[Encoder]:
        """This transcode's live ffmpeg processes."""
        return list(dict.fromkeys(s.encoder for s in self.profiles.values()
                                  if s.encoder is not None))

    def touch(self) -> None:
        """Someone asked something of this transcode (keeps it from being reaped)."""
        self.last_activity = self._clock.seconds()

    async def segment(self, profile: str, index: int) -> Path:
        """Segment ``index`` of ``profile`` once finished, waiting (bounded) while it is made.

        Raises ``NotYet`` after the wait, ``Busy`` when no encoder can start and
        ``EncoderFailed`` when ffmpeg keeps dying.
        """
        state = self.profiles[profile]
        self.touch()
        self._demand(state, index)
        if index in state.segments:
            await self._keep_ahead(state, index)
            return state.segments[index]
        await self._lock.acquire()
        try:
            if index not in state.segments:
                await self._ensure_encoder(state, index)
        finally:
            self._lock.release()
        if index in state.segments:
            return state.segments[index]
        self._pace(state)
        return await self._wait(state, index)

    def _demand(self, state: ProfileState, index: int) -> None:
        state.furthest = max(state.furthest, index)
        state.last_demand = self._clock.seconds()
        idle_after = self._pacing.idle_segments * self.request.segment_duration
        if state.idle_timer is not None and state.idle_timer.active():
            state.idle_timer.reset(idle_after)
        else:
            state.idle_timer = self._clock.callLater(idle_after, self._idle, state)

    async def _ensure_encoder(self, state: ProfileState, index: int) -> None:
        output = state.output
        if output is None or state.encoder is None or state.encoder.stopping:
            await self._start(state, index, self._start_reason(state))
        elif needs_seek(self._pacing, index=index, run_start=output.start,
                        writing=output.writing):
            await self._start(state, index, "seek")

    async def _keep_ahead(self, state: ProfileState, index: int) -> None:
        """A finished segment was asked for: make sure the ones after it are coming."""
        if state.encoder is not None:
            self._pace(state)
            return
        missing = first_missing(state.segments, start=index, count=self.segment_count)
        if missing is None or should_pause(self._pacing, writing=missing, furthest=index):
            return
        await self._lock.acquire()
        try:
            if state.encoder is None and not self.closed:
                await self._start(state, missing, self._start_reason(state))
        except Exception as e:  # the asked-for segment is served anyway
            _log.info("transcode {id} {profile}: no encoder to resume with: {e}",
                      id=self.id, profile=state.profile.name, e=e)
        finally:
            self._lock.release()

    @staticmethod
    def _start_reason(state: ProfileState) -> str:
        if state.crashes:
            return "restart_after_crash"
        return "resume" if state.runs else "start"

    async def _start(self, state: ProfileState, index: int, reason: str) -> None:
        """(Re)start the profile's encoder at segment ``index``, with any other profile
        whose run is (or is wanted) near there: one decode for all of them. The runs this
        replaces are killed, not waited for; a profile one of them made that is not near
        goes on in a run of its own."""
        members = {state: index}
        if shareable(state.profile):
            for other in self.profiles.values():
                at = self._position(other)
                if other is not state and shareable(other.profile) and at is not None \
                        and abs(at - index) <= self._pacing.join:
                    members[other] = at
        replaced = {s.encoder for s in members if s.encoder is not None}
        displaced = {s: output.writing for s in self.profiles.values()
                     if s not in members and s.encoder in replaced
                     and (output := s.output) is not None}
        for each in (*members, *displaced):
            each.encoder = None
        for old in replaced:
            old.kill()
        if self.closed:
            raise NotYet("the transcode was deleted")
        if reason == "seek":
            # Demand is where the seek went; what was asked before it no longer counts.
            state.furthest = index
        for member, at in members.items():
            # Requests the new run will never reach are answered now, not after their wait.
            for waiting in [i for i in member.waiters if i < at]:
                self._fail_waiters(member, waiting, NotYet("the encoder moved elsewhere"))
            member.runs += 1
        encoder = await self._spawn(self, list(members.items()), reason)
        metrics.ENCODER_STARTS.labels(reason).inc()
        for member, at in members.items():
            member.encoder = encoder
            _log.info("transcode {id} {profile}: encoder {reason} at segment {index} "
                      "(pid {pid})", id=self.id, profile=member.profile.name,
                      reason=reason if member is state else "join", index=at,
                      pid=encoder.pid)
        for other, at in displaced.items():
            try:
                if other.encoder is None:
                    await self._start(other, at, "regroup")
            except Exception as e:  # the asked-for run started; this one resumes on demand
                _log.info("transcode {id} {profile}: not regrouped: {e}", id=self.id,
                          profile=other.profile.name, e=e)

    def _position(self, state: ProfileState) -> int | None:
        """Where a profile's run is (the segment being written), or where one is wanted
        (the first segment waited for); None when neither."""
        output = state.output
        if output is not None and state.encoder is not None and not state.encoder.stopping:
            return output.writing
        return min(state.waiters) if state.waiters else None

    def run_directory(self, state: ProfileState) -> Path:
        """The current run's directory: a restart never rewrites a file being served."""
        return state.directory / f"run{state.runs}"

    async def _wait(self, state: ProfileState, index: int) -> Path:
        waiter: Deferred[Path] = Deferred()
        state.waiters.setdefault(index, []).append(waiter)
        waiter.addTimeout(self._pacing.wait, self._clock)
        try:
            return await waiter
        except TimeoutError:
            raise NotYet(f"segment {index} is not written yet") from None
        finally:
            waiting = state.waiters.get(index, [])
            if waiter in waiting:
                waiting.remove(waiter)
                if not waiting:
                    del state.waiters[index]

    def _fail_waiters(self, state: ProfileState, index: int, error: Exception) -> None:
        for waiter in state.waiters.pop(index, []):
            if not waiter.called:
                waiter.errback(error)

    def segment_finished(self, state: ProfileState, index: int, path: Path) -> None:
        """An encoder finished segment ``index``."""
        state.segments.setdefault(index, path)
        state.crashes = 0
        for waiter in state.waiters.pop(index, []):
            if not waiter.called:
                waiter.callback(state.segments[index])
        self._pace(state)

    def encoder_ended(self, state: ProfileState, encoder: Encoder) -> None:
        """An encoder's process is gone: finished, stopped by us, or crashed."""
        if state.encoder is encoder:
            state.encoder = None
        run = encoder.outputs[state.profile.name].directory
        finished = {i for i, p in state.segments.items() if p.parent == run}
        deferToThread(remove_unfinished, run, finished).addErrback(
            lambda f: _log.failure("removing an encoder's unfinished files failed", f))
        if encoder.error is None:
            return
        self.errors = [*self.errors[-9:], f"{state.profile.name}: {encoder.error}"[-500:]]
        if encoder.misaligned and isinstance(state.profile, VideoProfile):
            # Remuxing cannot make these segments: encode this profile from here on.
            state.profile = attrs.evolve(state.profile, codec="h264")
            _log.warn("transcode {id} {profile}: {error}; encoding instead", id=self.id,
                      profile=state.profile.name, error=encoder.error)
        else:
            state.crashes += 1
            _log.warn("transcode {id} {profile}: encoder died: {error}", id=self.id,
                      profile=state.profile.name, error=encoder.error)
        if not state.waiters or state.encoder is not None or self.closed:
            return
        if state.crashes >= MAX_CRASHES:
            for index in list(state.waiters):
                self._fail_waiters(state, index, EncoderFailed(encoder.error))
            return
        Deferred.fromCoroutine(self._restart_for_waiters(state)).addErrback(
            lambda f: _log.failure("restarting a dead encoder failed", f))

    async def _restart_for_waiters(self, state: ProfileState) -> None:
        """Those waiting need not wait for their timeout and a retry to get a new ffmpeg."""
        await self._lock.acquire()
        try:
            if state.encoder is None and state.waiters and not self.closed:
                reason = "remux_fallback" if state.crashes == 0 else "restart_after_crash"
                await self._start(state, min(state.waiters), reason)
        except Exception as e:
            for index in list(state.waiters):
                self._fail_waiters(state, index, e)
        finally:
            self._lock.release()

    def _pace(self, state: ProfileState) -> None:
        """Pause the profile's run once every profile it makes is far enough ahead."""
        encoder = state.encoder
        if encoder is None or encoder.stopping:
            return
        made = [s for s in self.profiles.values() if s.encoder is encoder]
        if all(should_pause(self._pacing, writing=encoder.outputs[s.profile.name].writing,
                            furthest=s.furthest) for s in made):
            encoder.pause()
        else:
            encoder.resume()

    def _idle(self, state: ProfileState) -> None:
        """Nobody asked for this profile for a while: stop its encoder, keep its segments; a
        run it shared goes on without it."""
        state.idle_timer = None
        if state.waiters:
            # Someone is still waiting (the wait can outlast the idle time): not idle.
            self._demand(state, state.furthest)
            return
        encoder, output = state.encoder, state.output
        if encoder is None or output is None or encoder.stopping:
            return
        state.encoder = None
        metrics.IDLE_STOPS.inc()
        _log.info("transcode {id} {profile}: no demand, encoder stopped at segment "
                  "{index}", id=self.id, profile=state.profile.name, index=output.writing)
        rest = [s for s in self.profiles.values() if s.encoder is encoder]
        if not rest:
            encoder.kill()
            return
        Deferred.fromCoroutine(self._without(rest[0])).addErrback(
            lambda f: _log.failure("restarting a shared encoder failed", f))

    async def _without(self, state: ProfileState) -> None:
        """Restart ``state``'s shared run where it is, leaving out who left it."""
        await self._lock.acquire()
        try:
            output = state.output
            if output is not None and not self.closed:
                await self._start(state, output.writing, "regroup")
        finally:
            self._lock.release()

    async def close(self, *, grace: float | None = None) -> None:
        """Answer every waiter and stop every encoder (SIGKILL, or SIGTERM then SIGKILL
        after ``grace`` seconds); fires once every process is gone."""
        self.closed = True
        ending: list[Deferred[None]] = []
        for state in self.profiles.values():
            if state.idle_timer is not None and state.idle_timer.active():
                state.idle_timer.cancel()
            for index in list(state.waiters):
                self._fail_waiters(state, index, NotYet("the transcode was deleted"))
        for encoder in self.encoders:
            ending.append(encoder.kill() if grace is None else encoder.terminate(grace))
        for state in self.profiles.values():
            state.encoder = None
        for ended in ending:
            await ended

    def status(self) -> TranscodeStatus:
        """Where each profile stands."""
        last: dict[str, int] = {}
        for name, state in self.profiles.items():
            missing = first_missing(state.segments, start=0, count=self.segment_count)
            last[name] = (self.segment_count if missing is None else missing) - 1
        states = self.profiles.values()
        finished = all(v == self.segment_count - 1 for v in last.values())
        running = any(s.encoder is not None and not s.encoder.paused for s in states)
        overall: TranscodeState = "finished" if finished else "running" if running else "paused"
        if not finished and not running and any(s.crashes >= MAX_CRASHES for s in states):
            overall = "failed"
        return TranscodeStatus(self.id, overall, self.segment_count, last, tuple(self.errors))
