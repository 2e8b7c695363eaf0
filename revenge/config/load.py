"""Build a ``Config`` from TOML and option overrides, refusing the unknown or out of range."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import attrs

from revenge.config.model import Config


class ConfigError(Exception):
    """A configuration value is unknown, of the wrong type or out of range (one clear line)."""


def _section_types() -> dict[str, type]:
    hints = get_type_hints(Config)
    return {f.name: hints[f.name] for f in attrs.fields(Config) if f.name != "source"}


def _check(where: str, expected: Any, value: Any, meta: Mapping[str, Any]) -> Any:
    origin = get_origin(expected)
    if origin is tuple:
        item = get_args(expected)[0]
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_check(f"{where}[{i}]", item, v, meta) for i, v in enumerate(value))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
        raise ConfigError(
            f"{where}: expected {expected.__name__}, got {type(value).__name__} {value!r}"
        )
    low, high, choices = meta.get("low"), meta.get("high"), meta.get("choices")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{where}: {value!r} is out of range [{low}, {high}]")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    pattern = meta.get("pattern")
    if pattern is not None and not re.match(pattern, value):
        raise ConfigError(f"{where}: {value!r} is not a valid value here")
    return value


def _build_section(
    name: str, cls: type, raw: Any, origin: str, overridden: Mapping[str, Any]
) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: [{name}] must be a table")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in attrs.fields(cls)}
    values = {}
    for key, value in raw.items():
        where = "command line" if key in overridden else origin
        if key not in fields:
            raise ConfigError(f"{where}: unknown key [{name}] {key}")
        values[key] = _check(f"{where}: [{name}] {key}", hints[key], value, fields[key].metadata)
    try:
        return cls(**values)
    except ValueError as e:  # keys that must fit together
        raise ConfigError(f"{origin}: [{name}] {e}") from None


def load_config(
    path: Path | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> Config:
    """Read ``path`` (if given), apply ``overrides`` (section → key → value), validate all."""
    raw: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        origin = str(path)
        try:
            with path.open("rb") as f:
                raw = tomllib.load(f)
        except OSError as e:
            raise ConfigError(f"{origin}: cannot read: {e.strerror}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{origin}: not valid TOML: {e}") from None
    sections = _section_types()
    for name in raw:
        if name not in sections:
            raise ConfigError(f"{origin}: unknown section [{name}]")
    overrides = overrides or {}
    merged: dict[str, Any] = {name: raw.get(name, {}) for name in sections}
    for name, values in overrides.items():
        if isinstance(merged[name], dict):
            merged[name] = {**merged[name], **values}
    built = {
        name: _build_section(name, cls, merged[name], origin, overrides.get(name, {}))
        for name, cls in sections.items()
    }
    return Config(**built, source=origin)

