"""Read a Deferred's outcome synchronously (the Clock-driven tests never spin a reactor)."""

from __future__ import annotations

from typing import Any, TypeVar

from prometheus_client import REGISTRY
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

T = TypeVar("T")


def result_of(d: Deferred[T]) -> T:
    """The value ``d`` already fired with; fails the test otherwise."""
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    if isinstance(box[0], Failure):
        box[0].raiseException()
    return box[0]  # type: ignore[no-any-return]


def failure_of(d: Deferred[Any]) -> BaseException:
    """The exception ``d`` already failed with; fails the test otherwise."""
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    assert isinstance(box[0], Failure), f"expected a failure, got {box[0]!r}"
    value = box[0].value
    assert value is not None
    return value


def pending(d: Deferred[Any]) -> bool:
    """Whether ``d`` has not fired yet."""
    return not d.called


def sample(name: str, **labels: str) -> float:
    """A metric's current value in the default registry (0 when never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
