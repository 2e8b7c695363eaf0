"""Common Media Client Data (CTA-5004): what hls.js and other players say with each request.

Sent as a ``CMCD`` query argument or as ``CMCD-Request``/``-Object``/``-Status``/``-Session``
headers: comma-separated ``key=value`` pairs, where a bare key is boolean true, strings are
double-quoted and numbers are integers. Parsing is strict: anything malformed makes the whole
CMCD be ignored (None), never an error for the player.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

import attrs

HEADERS = (b"cmcd-request", b"cmcd-object", b"cmcd-status", b"cmcd-session")
_KEY = re.compile(r"^[a-z0-9-]{1,20}$")
_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/+-]*$")
_MAX = 4096

Value = bool | int | float | str


@attrs.frozen
class Cmcd:
    """The CMCD keys Revenge uses; all optional."""

    buffer_starvation: bool = False  # bs
    buffer_length_ms: int | None = None  # bl
    measured_throughput_kbps: int | None = None  # mtp


def _value(raw: str) -> Value:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise ValueError("unterminated string")
        inner = raw[1:-1]
        if '"' in inner.replace('\\"', ""):
            raise ValueError("stray quote")
        return inner.replace('\\"', '"').replace("\\\\", "\\")
    if re.fullmatch(r"-?\d{1,15}", raw):
        return int(raw)
    if re.fullmatch(r"-?\d{1,15}\.\d{1,3}", raw):
        return float(raw)
    if _TOKEN.match(raw):
        return raw
    raise ValueError(f"bad value {raw!r}")


def parse_pairs(text: str) -> dict[str, Value]:
    """``key=value,key`` → a dict; raises ValueError on anything malformed."""
    if len(text) > _MAX:
        raise ValueError("too long")
    result: dict[str, Value] = {}
    # Split on commas outside quoted strings.
    for item in re.findall(r'(?:[^,"]|"(?:\\.|[^"\\])*")+', text):
        key, eq, raw = item.strip().partition("=")
        if not _KEY.match(key) or key in result:
            raise ValueError(f"bad key {key!r}")
        result[key] = _value(raw) if eq else True
    if text.strip() and not result:
        raise ValueError("empty")
    return result


def _int(pairs: dict[str, Value], key: str) -> int | None:
    value = pairs.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value


def parse_cmcd(query_values: Iterable[bytes], headers: Iterable[bytes]) -> Cmcd | None:
    """CMCD from a request's ``CMCD`` query values and CMCD-* header values, or None."""
    try:
        texts = [unquote(v.decode("utf-8"), errors="strict") for v in query_values]
        texts += [h.decode("utf-8") for h in headers]
        if not texts:
            return None
        pairs: dict[str, Value] = {}
        for text in texts:
            for key, value in parse_pairs(text).items():
                if key in pairs:
                    raise ValueError(f"{key} sent twice")
                pairs[key] = value
        starvation = pairs.get("bs", False)
        sid = pairs.get("sid")
        if not isinstance(starvation, bool) or (sid is not None and not isinstance(sid, str)):
            raise ValueError("bs must be boolean and sid a string")
        return Cmcd(
            buffer_starvation=starvation,
            buffer_length_ms=_int(pairs, "bl"),
            measured_throughput_kbps=_int(pairs, "mtp"),
        )
    except (ValueError, UnicodeDecodeError):
        return None
