"""Persistence: the library index, and later users, sessions and progress (SQLite by default)."""
