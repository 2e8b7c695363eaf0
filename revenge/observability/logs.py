"""Log output: JSON lines for ``--log-format json`` (one object per event, on stdout)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import IO, Any

from twisted.logger import ILogObserver, LogEvent, formatEvent
from twisted.python.failure import Failure
from zope.interface import implementer

_PLAIN = (str, int, float, bool, type(None))


@implementer(ILogObserver)
class JSONLinesObserver:
    """Writes each event as one JSON object per line: time, level, namespace, message, fields."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: LogEvent) -> None:
        record: dict[str, Any] = {
            "time": datetime.fromtimestamp(event.get("log_time", 0), UTC).isoformat(),
            "level": getattr(event.get("log_level"), "name", "info"),
            "namespace": event.get("log_namespace", ""),
            "message": formatEvent(event),
        }
        for key, value in event.items():
            if not key.startswith("log_") and key not in ("format", "message", "time", "system"):
                record[key] = value if isinstance(value, _PLAIN) else repr(value)
        failure = event.get("log_failure")
        if isinstance(failure, Failure):
            record["error"] = failure.getTraceback()
        self._stream.write(json.dumps(record, default=repr) + "\n")
        self._stream.flush()


def json_observer() -> ILogObserver:
    """The factory twistd's ``--logger`` takes: JSON lines on standard output."""
    return JSONLinesObserver(sys.stdout)
