"""Schema migrations for every SQL back end, applied in order at open.

Each script is written once; its ``{int64}``, ``{float}`` and ``{title_nocase}`` fields become
the back end's words for them (``revenge.store.sql.Dialect``; for SQLite the scripts read
exactly as they shipped). Each back end counts the migrations applied its own way (SQLite's
``PRAGMA user_version``, a ``revenge_schema`` table in PostgreSQL). Append a new script to
``MIGRATIONS``; never edit one that has shipped.
"""

from __future__ import annotations

from revenge.store.sql import Dialect, SqlConnection

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE media (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        root TEXT NOT NULL,
        size {int64} NOT NULL,
        mtime_ns {int64} NOT NULL,
        title TEXT NOT NULL,
        duration {float},
        container TEXT,
        bitrate {int64},
        streams TEXT NOT NULL DEFAULT '[]',
        probe_error TEXT
    );
    CREATE INDEX media_title ON media ({title_nocase});
    """,
    """
    CREATE TABLE progress (
        user_id TEXT NOT NULL,
        media_id TEXT NOT NULL,
        position {float} NOT NULL,
        updated_at {float} NOT NULL,
        PRIMARY KEY (user_id, media_id)
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        media_id TEXT NOT NULL,
        state TEXT NOT NULL,
        position {float} NOT NULL,
        options TEXT NOT NULL,
        created_at {float} NOT NULL,
        last_activity_at {float} NOT NULL
    );
    """,
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        is_admin INTEGER NOT NULL DEFAULT 0,
        created_at {float} NOT NULL
    );
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at {float} NOT NULL,
        revoked_at {float}
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
    # What every node of a cluster shares: settings made once by the first (the secrets),
    # and counters the others poll (``media``: bumped by every change of the index).
    """
    CREATE TABLE cluster_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value {int64} NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('media', 0);
    """,
)


def script(dialect: Dialect, number: int) -> str:
    """Migration ``number`` (from 1) in ``dialect``'s words."""
    return MIGRATIONS[number - 1].format_map(dialect.fields)


def migrate(connection: SqlConnection) -> int:
    """Apply the migrations not yet applied; return the schema version reached. Nodes
    starting together take turns: the first migrates, the others find it done."""
    with connection.migrating() as version:
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"the database has schema version {version}, newer than this Revenge knows "
                f"({len(MIGRATIONS)}); refusing to touch it"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            connection.apply_migration(script(connection.dialect, number), number)
    return len(MIGRATIONS)
