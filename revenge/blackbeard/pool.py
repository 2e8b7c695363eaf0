"""``ITranscoder`` over several Blackbeards: placement by load, failover at the next segment.

A new transcode goes to the Blackbeard counted up with the fewest active transcodes
(``placement.py``). The pool hands out ids of its own, so the playback side never learns
where a transcode runs: when its Blackbeard stops answering (connections refused or reset
after the client's retries, its breaker open, a 502/504) or no longer knows it (restarted),
the next call recreates it on another Blackbeard at the lowest segment being asked for,
and the call is answered from there. Playlists are complete VOD playlists from the start,
the same on every Blackbeard, so what the player holds stays valid.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import attrs
from twisted.internet.defer import Deferred, DeferredList
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from revenge.blackbeard import metrics
from revenge.blackbeard.contract import TranscodeRequest, TranscodeStatus
from revenge.blackbeard.interface import (
    ITranscoder,
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)
from revenge.blackbeard.naming import segment_index
from revenge.blackbeard.placement import Member, candidates, down_reason

T = TypeVar("T")
_log = Logger()


@attrs.define(eq=False)
class _Placed:
    """Where one of the pool's transcodes runs now, and what it was started with."""

    request: TranscodeRequest
    member: Member
    remote_id: str
    # Segment indices being fetched now (a move starts at the lowest: the next one needed).
    wanted: Counter[int] = attrs.field(factory=Counter)
    moving: Deferred[bool] | None = None
    deleted: bool = False


@implementer(ITranscoder)
class BlackbeardPool:
    """Speaks the contract to whichever of ``members`` holds (or should hold) a transcode."""

    def __init__(self, members: Sequence[Member]) -> None:
        if not members:
            raise ValueError("a pool needs at least one Blackbeard")
        self.members = tuple(members)
        self._placed: dict[str, _Placed] = {}
        self._ids = itertools.count(1)
        for member in self.members:
            _expose(member)

    @property
    def healthy(self) -> bool:
        """Whether any Blackbeard is up."""
        return any(member.up for member in self.members)

    def describe(self) -> list[dict[str, Any]]:
        """Each Blackbeard, whether it is up and its active transcodes (for ``/readyz``)."""
        return [{"name": m.name, "up": m.up, "active": m.active} for m in self.members]

    def where(self, transcode_id: str) -> str | None:
        """The name of the Blackbeard a transcode runs on now (None: not the pool's)."""
        placed = self._placed.get(transcode_id)
        return placed.member.name if placed is not None else None

    # -- ITranscoder -------------------------------------------------------------------------

    def health(self) -> Deferred[bool]:
        """Ask every Blackbeard; one that answers is up again. Fire with ``healthy``."""

        async def ask() -> bool:
            answers = await DeferredList([m.transcoder.health() for m in self.members],
                                         consumeErrors=True)
            for member, (ok, answered) in zip(self.members, answers, strict=True):
                if ok and answered is True:
                    member.down = False
            return self.healthy

        return Deferred.fromCoroutine(ask())

    def start(self, request: TranscodeRequest) -> Deferred[str]:
        """Place a new transcode on the least loaded Blackbeard that takes it."""

        async def start() -> str:
            member, remote_id = await self._place(request, exclude=None)
            # The Blackbeard's own id where it is unique, so logs on both sides agree; it
            # stays the transcode's id after a move.
            transcode_id = remote_id if remote_id not in self._placed else \
                f"pool-{next(self._ids)}"
            self._placed[transcode_id] = _Placed(request, member, remote_id)
            _log.info("transcode {id} placed on {blackbeard} as {remote}", id=transcode_id,
                      blackbeard=member.name, remote=remote_id)
            return transcode_id

        return Deferred.fromCoroutine(start())

    def status(self, transcode_id: str) -> Deferred[TranscodeStatus]:
        return self._routed(transcode_id, lambda t, i: t.status(i))

    def master_playlist(self, transcode_id: str) -> Deferred[bytes]:
        return self._routed(transcode_id, lambda t, i: t.master_playlist(i))

    def media_playlist(self, transcode_id: str, profile: str) -> Deferred[bytes]:
        return self._routed(transcode_id, lambda t, i: t.media_playlist(i, profile))

    def segment(self, transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        return self._routed(transcode_id, lambda t, i: t.segment(i, profile, name),
                            index=segment_index(name))

    def delete(self, transcode_id: str) -> Deferred[None]:
        """Forget the transcode and delete it where it runs (a Blackbeard gone reaps it)."""
        placed = self._placed.pop(transcode_id, None)

        async def delete() -> None:
            if placed is None:
                return
            placed.deleted = True
            placed.member.active -= 1
            await _delete_quietly(placed.member, placed.remote_id)

        return Deferred.fromCoroutine(delete())

    # -- placing and moving ------------------------------------------------------------------

    async def _place(self, request: TranscodeRequest,
                     exclude: Member | None) -> tuple[Member, str]:
        """Start ``request`` on the best Blackbeard that answers, trying the others in turn;
        raise the last one's error when none does."""
        last: TranscoderError = TranscoderUnavailable("no other Blackbeard to move to")
        for member in candidates(self.members, exclude=exclude):
            member.active += 1  # counted now, so concurrent starts spread out
            try:
                return member, await member.transcoder.start(request)
            except TranscoderError as e:
                member.active -= 1
                if down_reason(e) is None:
                    raise
                member.mark_down(e)
                last = e
            except BaseException:
                member.active -= 1
                raise
        raise last

    def _routed(self, transcode_id: str, call: Callable[[ITranscoder, str], Deferred[T]],
                *, index: int | None = None) -> Deferred[T]:
        return Deferred.fromCoroutine(self._call(transcode_id, call, index))

    async def _call(self, transcode_id: str, call: Callable[[ITranscoder, str], Deferred[T]],
                    index: int | None) -> T:
        placed = self._placed.get(transcode_id)
        if placed is None:
            raise TranscodeNotFound(f"no transcode {transcode_id!r} in the pool", status=404,
                                    code="transcode_not_found")
        if index is not None:
            placed.wanted[index] += 1
        try:
            # Each Blackbeard can fail a call once: then there is nowhere left to move.
            for _ in range(len(self.members) + 1):
                if placed.moving is not None:
                    await _follow(placed.moving)
                member, remote_id = placed.member, placed.remote_id
                try:
                    return await call(member.transcoder, remote_id)
                except TranscoderError as e:
                    if down_reason(e) is None or self._placed.get(transcode_id) is not placed:
                        raise
                    moved_since = (placed.member, placed.remote_id) != (member, remote_id)
                    if not moved_since and not await self._move(placed, e):
                        raise
            raise TranscoderUnavailable("every Blackbeard failed this call")
        finally:
            if index is not None:
                placed.wanted[index] -= 1
                if not placed.wanted[index]:
                    del placed.wanted[index]

    def _move(self, placed: _Placed, error: TranscoderError) -> Deferred[bool]:
        """Recreate the transcode elsewhere, once however many calls found it gone; fire
        with whether it moved."""
        moving = placed.moving
        if moving is None:
            moving = placed.moving = Deferred.fromCoroutine(self._recreate(placed, error))

            def done(moved: bool) -> bool:
                placed.moving = None
                return moved

            moving.addCallback(done)
        return _follow(moving)

    async def _recreate(self, placed: _Placed, error: TranscoderError) -> bool:
        reason = down_reason(error)
        failed = placed.member
        if reason != "not_found":
            failed.mark_down(error)
        count = placed.request.segment_count
        at = min(placed.wanted, default=placed.request.start_segment)
        request = attrs.evolve(placed.request, start_segment=max(0, min(at, count - 1)))
        # A Blackbeard that does not know the transcode is alive: it may take it again.
        exclude = None if reason == "not_found" else failed
        try:
            member, remote_id = await self._place(request, exclude=exclude)
        except TranscoderError as e:
            _log.warn("transcode on {blackbeard} failed ({error}) and could not move: {why}",
                      blackbeard=failed.name, error=str(error), why=str(e))
            return False
        if placed.deleted:
            # Deleted while it moved (delete let go of its old place).
            member.active -= 1
            await _delete_quietly(member, remote_id)
            return False
        failed.active -= 1
        old = placed.remote_id
        placed.member, placed.remote_id = member, remote_id
        metrics.POOL_FAILOVERS.labels(reason).inc()
        _log.warn("transcode moved from {from_blackbeard} to {to_blackbeard} at segment "
                  "{segment} ({reason}: {error})", from_blackbeard=failed.name,
                  to_blackbeard=member.name, segment=request.start_segment, reason=reason,
                  error=str(error))
        if reason != "not_found":
            _background(_delete_quietly(failed, old))
        return True


async def _delete_quietly(member: Member, remote_id: str) -> None:
    try:
        await member.transcoder.delete(remote_id)
    except TranscoderError as e:
        # Gone or unreachable: its idle reaper deletes what is left once it is back.
        _log.info("deleting {remote} on {blackbeard} failed: {error}", remote=remote_id,
                  blackbeard=member.name, error=str(e))


def _follow(source: Deferred[T]) -> Deferred[T]:
    """A Deferred with ``source``'s result; cancelling it leaves ``source`` running."""
    follower: Deferred[T] = Deferred()

    def relay(result: T | Failure) -> T | Failure:
        if not follower.called:
            if isinstance(result, Failure):
                follower.errback(result)
            else:
                follower.callback(result)
        return result

    source.addBoth(relay)
    return follower


def _expose(member: Member) -> None:
    """Read the member's state when metrics are collected (nothing to keep in step)."""

    def up() -> float:
        return float(member.up)

    def active() -> float:
        return float(member.active)

    metrics.POOL_UP.labels(member.name).set_function(up)
    metrics.POOL_TRANSCODES.labels(member.name).set_function(active)


def _background(work: Coroutine[Any, Any, None]) -> None:
    Deferred.fromCoroutine(work).addErrback(
        lambda f: _log.failure("pool housekeeping failed", f))
