"""Two nodes on one PostgreSQL: the same secrets, one first admin, one scanner at a time, and
the index one node writes seen by the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import DeferredList
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.task import Clock, deferLater

from revenge.library.service import LOCK_RETRY, REFRESH_EVERY, SCAN_LOCK, LibraryService
from revenge.security.secrets import Secrets, shared_secrets
from revenge.security.signing import UrlSigner, Verdict
from revenge.store import postgres
from revenge.store.postgres import PostgresStore
from revenge.store.records import ProbeResult
from revenge.testing import InlineProbe
from tests.store.backends import RECORD


def _secrets_of_a_node(url: str) -> Secrets:
    with closing(postgres.connect(url)) as connection:
        return shared_secrets(connection)


def test_nodes_starting_together_migrate_once_and_share_one_set_of_secrets(
    postgres_url: str
) -> None:
    with ThreadPoolExecutor(4) as nodes:
        found = list(nodes.map(_secrets_of_a_node, [postgres_url] * 4))
    assert len({(s.signing_key, s.internal_token) for s in found}) == 1
    assert len(found[0].signing_key) == 32 and found[0].internal_token
    # A URL one node signs is valid on another.
    clock = Clock()
    one, other = (UrlSigner(s.signing_key, clock=clock, ttl=60.0) for s in found[:2])
    token = one.sign("session:s1")
    assert other.verify("session:s1", token) is Verdict.VALID
    assert other.verify("session:s2", token) is Verdict.INVALID


@pytest_twisted.async_yield_fixture
async def nodes(postgres_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one database, as two nodes have; open, closed afterwards."""
    pair = (PostgresStore(postgres_url, reactor=IReactorThreads(reactor)),
            PostgresStore(postgres_url, reactor=IReactorThreads(reactor)))
    await DeferredList([store.open() for store in pair], fireOnOneErrback=True)
    yield pair
    for store in pair:
        await store.close()


@pytest_twisted.ensureDeferred
async def test_one_first_admin_for_two_nodes_starting_together(
    nodes: tuple[PostgresStore, PostgresStore]
) -> None:
    results = await DeferredList([store.ensure_first_admin() for store in nodes],
                                 fireOnOneErrback=True)
    tokens = [token for _, token in results if token is not None]
    assert len(tokens) == 1
    for store in nodes:
        admin = await store.authenticate(tokens[0])
        assert admin is not None and admin.name == "admin"


@pytest_twisted.ensureDeferred
async def test_a_lock_held_by_one_node_excludes_the_other(
    nodes: tuple[PostgresStore, PostgresStore]
) -> None:
    one, other = nodes
    lease = await one.try_lock(SCAN_LOCK)
    assert lease is not None
    assert await other.try_lock(SCAN_LOCK) is None
    assert await one.try_lock(SCAN_LOCK) is None  # another connection of the same node
    await lease.release()
    taken = await other.try_lock(SCAN_LOCK)
    assert taken is not None
    assert await one.try_lock(SCAN_LOCK) is None
    await taken.release()


@pytest_twisted.ensureDeferred
async def test_the_index_one_node_writes_the_other_reads(
    nodes: tuple[PostgresStore, PostgresStore]
) -> None:
    one, other = nodes
    before = await other.media_generation()
    await one.save_media([RECORD])
    assert await other.media_generation() != before
    assert await other.all_media() == [RECORD]


def _library(store: PostgresStore, root: Path, clock: Clock) -> LibraryService:
    probe = InlineProbe({"Film.mkv": ProbeResult(duration=10.0)})
    return LibraryService(store=store, probe=probe, roots=[str(root)], extensions=(".mkv",),
                          reactor=IReactorThreads(reactor), clock=clock,
                          scan_on_start=False)


def _retrying(clock: Clock) -> bool:
    """Whether a try for the scan lock is due ``LOCK_RETRY`` from now."""
    return any(call.getTime() == clock.seconds() + LOCK_RETRY
               for call in clock.getDelayedCalls())


async def _until(condition: object, what: str) -> None:
    """Poll (bounded) until ``condition()`` holds: the work runs on the store's threads."""
    for _ in range(500):
        if condition():  # type: ignore[operator]
            return
        await deferLater(reactor, 0.01, lambda: None)
    raise AssertionError(f"timed out waiting for {what}")


@pytest_twisted.ensureDeferred
async def test_a_node_waits_for_the_other_s_scan_then_both_see_the_index(
    nodes: tuple[PostgresStore, PostgresStore], tmp_path: Path
) -> None:
    (tmp_path / "Film.mkv").write_bytes(b"placeholder")
    clock_one, clock_other = Clock(), Clock()
    one, other = _library(nodes[0], tmp_path, clock_one), _library(nodes[1], tmp_path,
                                                                 clock_other)
    for library in (one, other):
        library.startService()
        await library.loaded
    try:
        held = await nodes[0].try_lock(SCAN_LOCK)  # node one is scanning, say
        assert held is not None
        waiting = other.scan()
        for _ in range(2):  # it finds the lock taken, and again after a while
            await _until(lambda: _retrying(clock_other), "the other node to wait its turn")
            clock_other.advance(LOCK_RETRY)
        await _until(lambda: _retrying(clock_other), "the other node to wait again")
        assert not waiting.called and other.page(0, 10) == ([], 0)
        await held.release()
        report = await one.scan()
        assert report.probed == 1
        (film,) = one.page(0, 10)[0]
        # Its turn come, the other node starts from the index node one left: nothing new.
        clock_other.advance(LOCK_RETRY)
        report = await waiting
        assert (report.probed, report.unchanged) == (0, 1)
        assert other.get(film.id) == film
        # A change by one node reaches the other on its next look at the store.
        (tmp_path / "Film.mkv").unlink()
        gone: list[str] = []
        other.when_gone(gone.append)
        assert (await one.scan()).removed == 1
        clock_other.advance(REFRESH_EVERY)
        await _until(lambda: other.get(film.id) is None, "the other node to see it gone")
        assert gone == [film.id]
    finally:
        for library in (one, other):
            library.stopService()


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/none"])
def test_an_unreachable_database_is_one_clear_error(url: str) -> None:
    from revenge.store.sql import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="PostgreSQL database none"):
        postgres.connect(url)
