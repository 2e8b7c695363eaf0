"""Type stubs for the parts of pytest-twisted (which ships none) that the tests use.

The decorators only mark a test or fixture for the plugin: ``ensureDeferred`` returns
the function itself, the async fixtures return what ``pytest.fixture`` returns.
"""

from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, Literal, ParamSpec, TypeVar, overload

from _pytest.fixtures import FixtureFunctionDefinition
from twisted.internet.defer import Deferred

_F = TypeVar("_F", bound=Callable[..., object])
_P = ParamSpec("_P")
_T = TypeVar("_T")

# pytest-twisted runs async fixtures only at these scopes (others raise at collection).
_Scope = Literal["function", "module"]
_Ids = Sequence[object | None] | Callable[[Any], object | None] | None

class WrongReactorAlreadyInstalledError(Exception): ...
class UnrecognizedCoroutineMarkError(Exception): ...
class AsyncGeneratorFixtureDidNotStopError(Exception): ...
class AsyncFixtureUnsupportedScopeError(Exception): ...
class DecoratorArgumentsError(Exception): ...

def blockon(d: Deferred[_T]) -> _T: ...
@overload
def ensureDeferred(f: _F, /) -> _F: ...
@overload
def ensureDeferred() -> Callable[[_F], _F]: ...
@overload
def inlineCallbacks(
    f: Callable[_P, Generator[Any, Any, _T]], /
) -> Callable[_P, Deferred[_T]]: ...
@overload
def inlineCallbacks() -> Callable[
    [Callable[_P, Generator[Any, Any, _T]]], Callable[_P, Deferred[_T]]
]: ...
@overload
def async_fixture(f: Callable[..., object], /) -> FixtureFunctionDefinition: ...
@overload
def async_fixture(
    *,
    scope: _Scope = ...,
    params: Iterable[object] | None = ...,
    autouse: bool = ...,
    ids: _Ids = ...,
    name: str | None = ...,
) -> Callable[[Callable[..., object]], FixtureFunctionDefinition]: ...
async_yield_fixture = async_fixture  # the same signatures
def __getattr__(name: str) -> Any: ...  # the rest of the module is untyped
