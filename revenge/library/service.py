"""The library service: scans media roots and keeps the index in memory, backed by the store.

Nodes sharing a store take turns to scan (the store's ``library-scan`` lock), and each looks
at the store's media generation now and then to pick up what another node's scan changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import attrs
from twisted.application.service import Service
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.interfaces import IReactorThreads, IReactorTime
from twisted.internet.task import LoopingCall, deferLater
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.library.probe import IProbe
from revenge.library.scan import FoundFile, plan_scan, walk_roots
from revenge.store.interface import IStore
from revenge.store.locks import Lease
from revenge.store.records import MediaRecord, ProbeResult

_log = Logger()
_BATCH = 64  # files probed before their records are saved and become visible
SCAN_LOCK = "library-scan"
LOCK_RETRY = 2.0  # seconds between tries for the scan lock another node holds
REFRESH_EVERY = 5.0  # seconds between looks at a shared store's media generation


_T = TypeVar("_T")


@attrs.frozen
class ScanReport:
    """What one scan did."""

    found: int
    probed: int
    unchanged: int
    removed: int
    failed: int
    seconds: float

    def to_json(self) -> dict[str, int | float]:
        return attrs.asdict(self)


class LibraryService(Service):
    """Owns the media index: ``get``/``page`` answer from memory; ``scan`` refreshes it."""

    name = "library"

    def __init__(
        self,
        *,
        store: IStore,
        probe: IProbe,
        roots: Sequence[str],
        extensions: Sequence[str],
        reactor: IReactorThreads,
        scan_on_start: bool = True,
        clock: IReactorTime | None = None,
    ) -> None:
        self._store = store
        self._probe = probe
        self._roots = tuple(roots)
        self._extensions = tuple(extensions)
        self._reactor = reactor
        self._scan_on_start = scan_on_start
        self._index: dict[str, MediaRecord] = {}
        self._by_title: tuple[MediaRecord, ...] = ()
        self.scanning = False
        self._waiters: list[Deferred[ScanReport]] = []
        self.last_scan: ScanReport | None = None
        self.loaded: Deferred[None] = Deferred()
        self._gone_listeners: list[Callable[[str], object]] = []
        self._clock = clock if clock is not None else IReactorTime(reactor)
        self._generation: int | None = None  # of the store's media, as last read
        self._refresher = LoopingCall(
            lambda: Deferred.fromCoroutine(self._refresh_quietly()))
        self._refresher.clock = self._clock
        self._scanned_listeners: list[Callable[[], object]] = []
        # Files probed and to probe by the scan under way (or the last one).
        self.scan_progress = (0, 0)

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        Deferred.fromCoroutine(self._start()).addErrback(
            lambda f: _log.failure("library failed to load", f)
        )

    def stopService(self) -> None:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._refresher.running:
            self._refresher.stop()

    async def _start(self) -> None:
        await self.refresh()
        self.loaded.callback(None)
        if self._store.shared and self.running:
            self._refresher.start(REFRESH_EVERY, now=False).addErrback(
                lambda f: _log.failure("library refresh stopped", f))
        if self._scan_on_start:
            await self.scan()

    async def refresh(self) -> bool:
        """Load the index again if the store's has changed since it was read (another node
        scanned); whether it had. Media gone from it are told as a scan's are."""
        generation = await self._store.media_generation()
        if generation == self._generation:
            return False
        records = await self._store.all_media()
        before = set(self._index)
        self._generation = generation  # read first: a change after it is seen next time
        self._replace(records)
        self._tell_gone([media_id for media_id in before if media_id not in self._index])
        return True

    async def _refresh_quietly(self) -> None:
        if self.scanning:  # the scan refreshes once it holds the lock, and writes after
            return
        try:
            await self.refresh()
        except Exception:
            _log.failure("reading the library index again failed")

    # -- reading -------------------------------------------------------------------------

    def get(self, media_id: str) -> MediaRecord | None:
        """The record with this id, or None."""
        return self._index.get(media_id)

    def page(self, offset: int, limit: int) -> tuple[list[MediaRecord], int]:
        """A page of records sorted by title, and the total count."""
        return list(self._by_title[offset : offset + limit]), len(self._by_title)

    def in_thread(self, work: Callable[[], _T]) -> Deferred[_T]:
        """``work()`` in the reactor's thread pool, where scans walk the file system."""
        return deferToThreadPool(self._reactor, self._reactor.getThreadPool(), work)

    def records(self) -> tuple[MediaRecord, ...]:
        """Every record sorted by title; a new tuple each time a scan changes the index."""
        return self._by_title

    def when_gone(self, listener: Callable[[str], object]) -> None:
        """Call ``listener(media_id)`` for each media a scan finds gone from the disk, once
        the index has forgotten it (what was made from the media can go too)."""
        self._gone_listeners.append(listener)

    def when_scanned(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` after every scan that succeeded (what is made from the
        media can be brought up to date)."""
        self._scanned_listeners.append(listener)

    # -- scanning ------------------------------------------------------------------------

    def scan(self) -> Deferred[ScanReport]:
        """Scan now, or join the scan already running."""
        waiter: Deferred[ScanReport] = Deferred()
        self._waiters.append(waiter)
        if not self.scanning:
            self.scanning = True
            Deferred.fromCoroutine(self._scan_and_notify())
        return waiter

    async def _scan_and_notify(self) -> None:
        result: ScanReport | Failure
        try:
            result = await self._locked_scan()
        except Exception:
            result = Failure()
        waiters, self._waiters = self._waiters, []
        self.scanning = False
        if isinstance(result, Failure):
            _log.failure("library scan failed", result)
            for waiter in waiters:
                waiter.errback(result)
        else:
            for listener in self._scanned_listeners:
                maybeDeferred(listener).addErrback(
                    lambda f: _log.failure("a listener failed after a scan", f))
            for waiter in waiters:
                waiter.callback(result)

    async def _locked_scan(self) -> ScanReport:
        """Scan under the store's scan lock, once it is ours: a node that finds another
        scanning waits its turn, then starts from the index that scan left."""
        lease = await self._store.try_lock(SCAN_LOCK)
        while lease is None:
            await deferLater(self._clock, LOCK_RETRY, lambda: None)
            lease = await self._store.try_lock(SCAN_LOCK)
        try:
            await self.refresh()
            report = await self._scan()
            # Nobody else writes the index while we hold the lock: our own writes are known.
            self._generation = await self._store.media_generation()
            return report
        finally:
            await _release(lease)

    async def _scan(self) -> ScanReport:
        started = time.monotonic()
        pool = self._reactor.getThreadPool()
        found: list[FoundFile] = await deferToThreadPool(
            self._reactor, pool, lambda: list(walk_roots(self._roots, self._extensions))
        )
        plan = plan_scan(found, self._index)
        failed = 0
        self.scan_progress = (0, len(plan.to_probe))
        for start in range(0, len(plan.to_probe), _BATCH):
            batch = plan.to_probe[start : start + _BATCH]
            probes = await DeferredList(
                [self._probe.probe(Path(f.path)) for f in batch], consumeErrors=True
            )
            records = [
                _record(f, result) for f, (_, result) in zip(batch, probes, strict=True)
            ]
            failed += sum(1 for r in records if r.probe.error is not None)
            self.scan_progress = (start + len(batch), len(plan.to_probe))
            await self._store.save_media(records)
            self._replace([*self._index.values(), *records])
        if plan.sidecars_changed:
            await self._store.save_media(plan.sidecars_changed)
            self._replace([*self._index.values(), *plan.sidecars_changed])
        if plan.gone:
            await self._store.delete_media(plan.gone)
            gone = set(plan.gone)
            self._replace([r for r in self._index.values() if r.id not in gone])
            self._tell_gone(plan.gone)
        report = ScanReport(
            found=len(found),
            probed=len(plan.to_probe),
            unchanged=plan.unchanged,
            removed=len(plan.gone),
            failed=failed,
            seconds=round(time.monotonic() - started, 3),
        )
        self.last_scan = report
        _log.info(
            "library scan: {found} found, {probed} probed, {failed} unprobeable, "
            "{removed} removed in {seconds}s",
            **report.to_json(),
        )
        return report

    def _tell_gone(self, media_ids: Sequence[str]) -> None:
        def failed(failure: Failure, media_id: str) -> None:
            _log.failure("a listener failed on {media} gone", failure, media=media_id)

        for media_id in media_ids:
            for listener in self._gone_listeners:
                maybeDeferred(listener, media_id).addErrback(failed, media_id)

    def _replace(self, records: Sequence[MediaRecord]) -> None:
        self._index = {r.id: r for r in records}
        self._by_title = tuple(sorted(self._index.values(),
                                      key=lambda r: (r.title.casefold(), r.id)))



async def _release(lease: Lease) -> None:
    try:
        await lease.release()
    except Exception:
        _log.failure("releasing the scan lock failed")


def _record(found: FoundFile, probe: ProbeResult | Failure) -> MediaRecord:
    result = probe if isinstance(probe, ProbeResult) else ProbeResult(error="the probe crashed")
    title = result.title or os.path.splitext(os.path.basename(found.path))[0]
    return MediaRecord(found.id, found.path, found.root, found.size, found.mtime_ns, title, result,
                       found.sidecars)
