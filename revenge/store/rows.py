"""Records as the rows of the store's tables, and back: the same on every SQL back end."""

from __future__ import annotations

import json
from typing import Any

from revenge.store.records import MediaRecord, ProbeResult, SessionRecord, Sidecar, StreamInfo


def session_from_row(row: tuple[Any, ...]) -> SessionRecord:
    """A ``sessions`` row as a record."""
    id_, user_id, media_id, state, position, options, created_at, last_activity_at = row
    return SessionRecord(id_, user_id, media_id, state, position, json.loads(options),
                         created_at, last_activity_at)


def media_to_row(record: MediaRecord) -> tuple[Any, ...]:
    """A media record as its ``media`` row."""
    probe = record.probe
    # The columns before the ``probe`` one stay filled: queries and tools may read them.
    streams = json.dumps([s.to_json() for s in probe.streams])
    return (record.id, record.path, record.root, record.size, record.mtime_ns, record.title,
            probe.duration, probe.container, probe.bitrate, streams, probe.error,
            json.dumps(probe.to_json()), json.dumps([s.to_json() for s in record.sidecars]))


def media_from_row(row: tuple[Any, ...]) -> MediaRecord:
    """A ``media`` row as a record (rows from before the ``probe`` column too)."""
    (id_, path, root, size, mtime_ns, title, duration, container, bitrate, streams,
     error, whole, sidecars) = row
    if whole is not None:
        probe = ProbeResult.from_json(json.loads(whole))
    else:  # stored before the probe column: what the first probe knew
        probe = ProbeResult(
            duration=duration,
            container=container,
            bitrate=bitrate,
            streams=tuple(StreamInfo.from_json(s) for s in json.loads(streams)),
            error=error,
            version=1,
        )
    return MediaRecord(id_, path, root, size, mtime_ns, title, probe,
                       tuple(Sidecar.from_json(s) for s in json.loads(sidecars)))
