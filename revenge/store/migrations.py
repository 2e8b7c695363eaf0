"""Schema migrations, applied in order at open; ``PRAGMA user_version`` counts those applied.

Append a new script to ``MIGRATIONS``; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE media (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        root TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        title TEXT NOT NULL,
        duration REAL,
        container TEXT,
        bitrate INTEGER,
        streams TEXT NOT NULL DEFAULT '[]',
        probe_error TEXT
    );
    CREATE INDEX media_title ON media (title COLLATE NOCASE);
    """,
    """
    CREATE TABLE progress (
        user_id TEXT NOT NULL,
        media_id TEXT NOT NULL,
        position REAL NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (user_id, media_id)
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        media_id TEXT NOT NULL,
        state TEXT NOT NULL,
        position REAL NOT NULL,
        options TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_activity_at REAL NOT NULL
    );
    """,
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        is_admin INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    """,
    # The whole probe as JSON (``ProbeResult.to_json``); NULL for rows probed before it,
    # which read back as version 1 probes from the columns above, and get probed again.
    """
    ALTER TABLE media ADD COLUMN probe TEXT;
    """,
    # The subtitle files beside each media, as JSON ``[[path, size, mtime_ns], ...]``.
    """
    ALTER TABLE media ADD COLUMN sidecars TEXT NOT NULL DEFAULT '[]';
    """,
    # A user's preferences (``Preferences.to_json``): the languages players start in.
    """
    CREATE TABLE preferences (
        user_id TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    );
    """,
)


def migrate(connection: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied; return the schema version reached."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the database has schema version {version}, newer than this Revenge knows "
            f"({len(MIGRATIONS)}); refusing to touch it"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)
