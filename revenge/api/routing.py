"""Route helpers: a route decorator that labels the request, and query-argument parsing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.errors import ApiError
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord

Handler = TypeVar("Handler", bound=Callable[..., Any])


def route(
    app: Klein, path: str, *, methods: Sequence[str] = ("GET",)
) -> Callable[[Handler], Handler]:
    """``app.route`` that also records ``path`` (the template) on the request for logs/metrics."""

    def decorate(handler: Handler) -> Handler:
        def labelled(request: IRequest, **kwargs: Any) -> Any:
            request.route = path  # type: ignore[attr-defined]
            return handler(request, **kwargs)

        app.route(path, methods=list(methods), endpoint=handler.__name__)(labelled)
        return handler

    return decorate


def int_arg(request: IRequest, name: str, *, default: int, low: int, high: int) -> int:
    """An integer query argument within [low, high], or a 400."""
    raw = request.args.get(name.encode())
    if not raw:
        return default
    try:
        value = int(raw[0])
    except ValueError:
        raise ApiError(400, "bad_argument", f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, "bad_argument", f"{name} must be between {low} and {high}")
    return value


def choice_arg(request: IRequest, name: str, choices: Sequence[str]) -> str | None:
    """A query argument that is one of ``choices``, None when absent, or a 400."""
    raw = request.args.get(name.encode())
    if not raw:
        return None
    value: str = raw[0].decode("utf-8", "replace")
    if value not in choices:
        raise ApiError(400, "bad_argument", f"{name} must be one of {', '.join(choices)}")
    return value


def record_or_404(library: LibraryService, media_id: str) -> MediaRecord:
    """The media a route names, or a 404."""
    record = library.get(media_id)
    if record is None:
        raise ApiError(404, "media_not_found", "no media with this id")
    return record
