"""Reading contract documents field by field: types and bounds checked, errors naming the field.

A transcode request crosses a network, so every value is checked where it is read and a bad
one is refused with the field's full name (``video[1].height``), never let through to ffmpeg.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()


class ContractError(ValueError):
    """A contract document is malformed (wrong type, missing or out-of-range field)."""


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

    def _get(self, key: str, default: Any) -> Any:
        value = self._doc.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise ContractError(f"missing field {self.name(key)}")
            return default
        return value

    def raw(self, key: str, default: Any) -> Any:
        """A field's value as it is, for shapes checked by the caller."""
        return self._get(key, default)

    def text(self, key: str, default: Any = _MISSING, *, choices: tuple[str, ...] = (),
             max_length: int = 4096) -> Any:
        """A string (one of ``choices`` when given)."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str) or len(value) > max_length:
            raise ContractError(f"{self.name(key)} must be a string")
        if choices and value not in choices:
            raise ContractError(f"{self.name(key)} must be one of {', '.join(choices)}")
        return value

    def integer(self, key: str, default: Any = _MISSING, *, low: int, high: int) -> Any:
        """An integer within [low, high] (a boolean is not one)."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ContractError(f"{self.name(key)} must be an integer from {low} to {high}")
        return value

    def number(self, key: str, default: Any = _MISSING, *, low: float, high: float) -> Any:
        """A finite number within [low, high]."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not low <= value <= high:
            raise ContractError(f"{self.name(key)} must be a number from {low:g} to {high:g}")
        return float(value)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean."""
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise ContractError(f"{self.name(key)} must be true or false")
        return value

    def objects(self, key: str, default: Any = _MISSING) -> list[Fields]:
        """A list of objects, each as ``Fields`` named ``key[i]``."""
        value = self._get(key, default)
        if not isinstance(value, list) or len(value) > 64:
            raise ContractError(f"{self.name(key)} must be a list (of at most 64)")
        return [Fields(item, f"{self.name(key)}[{i}]") for i, item in enumerate(value)]

    def object(self, key: str, default: Any = _MISSING) -> Fields | None:
        """A nested object as ``Fields``, or None when absent and optional."""
        value = self._get(key, default)
        if value is None:
            return None
        return Fields(value, self.name(key))

    def mapping(self, key: str) -> dict[str, str]:
        """An object mapping strings to strings (headers)."""
        value = self._get(key, {})
        if not isinstance(value, dict) or len(value) > 64 or not all(
                isinstance(k, str) and isinstance(v, str) and len(k) + len(v) < 8192
                for k, v in value.items()):
            raise ContractError(f"{self.name(key)} must map strings to strings")
        return dict(value)
