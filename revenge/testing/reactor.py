"""``InlineThreadsClock``: a ``Clock`` that also runs "threaded" work, at once, in the caller.

Revenge sends blocking work (walking media folders, SQLite) to a thread pool through the
reactor. Under this clock that work runs inline and its Deferred has fired before the call
returns, so code written for threads can be driven step by step in a test, no reactor
running, no thread started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from twisted.internet.interfaces import IReactorThreads
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

__all__ = ["InlineThreadsClock"]

P = ParamSpec("P")
R = TypeVar("R")


class _InlinePool(ThreadPool):
    """A thread pool that never starts a thread: each call runs before it returns."""

    def callInThreadWithCallback(
        self, onResult: Callable[[bool, Any], object] | None, func: Callable[P, R],
        *args: P.args, **kw: P.kwargs,
    ) -> None:
        try:
            result: Any = func(*args, **kw)
            ok = True
        except Exception:
            result, ok = Failure(), False
        if onResult is not None:
            onResult(ok, result)


@implementer(IReactorThreads)
class InlineThreadsClock(Clock):
    """``twisted.internet.task.Clock`` plus ``IReactorThreads``, all in the calling thread."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = _InlinePool(name="revenge.testing inline pool")

    def getThreadPool(self) -> ThreadPool:
        """The pool ``deferToThreadPool`` and ``deferToThread`` callers are given."""
        return self._pool

    def callInThread(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``callable`` now."""
        self._pool.callInThread(callable, *args, **kwargs)

    def callFromThread(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``callable`` now (there is no other thread to come from)."""
        callable(*args, **kwargs)

    def suggestThreadPoolSize(self, size: int) -> None:
        """Nothing to size."""
