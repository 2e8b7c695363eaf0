"""Reading Deferreds that have fired already (the in-memory fakes answer at once)."""

from __future__ import annotations

from typing import TypeVar

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

T = TypeVar("T")


def result_of(d: Deferred[T]) -> T:
    """What ``d`` has fired with; its exception raised if it failed."""
    results: list[T | Failure] = []
    d.addBoth(results.append)
    assert results, "the Deferred has not fired"
    result = results[0]
    if isinstance(result, Failure):
        result.raiseException()
    assert not isinstance(result, Failure)
    return result


def failure_of(d: Deferred[T]) -> BaseException:
    """The exception ``d`` has failed with (an AssertionError if it succeeded or waits)."""
    failures: list[Failure] = []
    d.addErrback(failures.append)
    assert failures, "the Deferred has not failed"
    error = failures[0].value
    assert error is not None
    return error
