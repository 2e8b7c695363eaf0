"""Reading contract documents field by field: types and bounds checked, errors naming the field.

A transcode request crosses a network, so every value is checked where it is read and a bad
one is refused with the field's full name (``video[1].height``), never let through to ffmpeg.
Contract values declare their fields with ``checked(...)``; ``read(cls, fields)`` builds
one from a JSON object by those declarations.
"""

from __future__ import annotations

import math
from typing import Any, Literal, TypeVar

import attrs
from attrs import AttrsInstance

T = TypeVar("T", bound=AttrsInstance)
_MISSING = object()
Kind = Literal["text", "integer", "number", "flag"]


class ContractError(ValueError):
    """A contract document is malformed (wrong type, missing or out-of-range field)."""


@attrs.frozen(kw_only=True)
class Check:
    """What a field's value must be."""

    kind: Kind
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 4096
    even: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` does not do, or None."""
        if self.kind == "flag":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "text":
            if not isinstance(value, str) or len(value) > self.max_length:
                return "must be a string"
            if self.choices and value not in self.choices:
                return f"must be one of {', '.join(self.choices)}"
            return None
        number = (int,) if self.kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, number) \
                or not math.isfinite(value) or not self.low <= value <= self.high:  # type: ignore[operator]
            noun = "an integer" if self.kind == "integer" else "a number"
            return f"must be {noun} from {self.low:g} to {self.high:g}"
        if self.even and value % 2:
            return "must be even"
        return None


def checked(kind: Kind, default: Any = attrs.NOTHING, **check: Any) -> Any:
    """An attrs field of a contract value, with the check its JSON value must pass."""
    return attrs.field(default=default, metadata={"check": Check(kind=kind, **check)})


class Fields:
    """The fields of one JSON object, read with checks; ``path`` prefixes error messages."""

    def __init__(self, doc: Any, path: str) -> None:
        if not isinstance(doc, dict):
            raise ContractError(f"{path or 'the document'} must be a JSON object")
        self._doc = doc
        self._path = path

    def name(self, key: str) -> str:
        """The full name of field ``key``, for messages."""
        return f"{self._path}.{key}" if self._path else key

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """A field's value as it is (``default`` when absent or null)."""
        value = self._doc.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise ContractError(f"missing field {self.name(key)}")
            return default
        return value

    def value(self, key: str, check: Check, default: Any = _MISSING) -> Any:
        """A field that must pass ``check`` (absent: ``default``, unchecked)."""
        value = self.raw(key, default)
        if value is default and default is not _MISSING:
            return value
        problem = check.problem(value)
        if problem is not None:
            raise ContractError(f"{self.name(key)} {problem}")
        return float(value) if check.kind == "number" else value

    def objects(self, key: str, default: Any = _MISSING) -> list[Fields]:
        """A list of objects, each as ``Fields`` named ``key[i]``."""
        value = self.raw(key, default)
        if not isinstance(value, list) or len(value) > 64:
            raise ContractError(f"{self.name(key)} must be a list (of at most 64)")
        return [Fields(item, f"{self.name(key)}[{i}]") for i, item in enumerate(value)]

    def object(self, key: str, default: Any = _MISSING) -> Fields | None:
        """A nested object as ``Fields``, or None when absent and optional."""
        value = self.raw(key, default)
        return None if value is None else Fields(value, self.name(key))

    def mapping(self, key: str) -> dict[str, str]:
        """An object mapping strings to strings (headers)."""
        value = self.raw(key, {})
        if not isinstance(value, dict) or len(value) > 64 or not all(
                isinstance(k, str) and isinstance(v, str) and len(k) + len(v) < 8192
                for k, v in value.items()):
            raise ContractError(f"{self.name(key)} must map strings to strings")
        return dict(value)


def read(cls: type[T], fields: Fields) -> T:
    """A contract value of ``cls`` from ``fields``, each by the check it declares."""
    values = {}
    for field in attrs.fields(cls):
        check = field.metadata.get("check")
        if check is None:
            continue
        default = _MISSING if field.default is attrs.NOTHING else field.default
        values[field.name] = fields.value(field.name, check, default)
    return cls(**values)
