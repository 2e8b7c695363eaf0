"""Users and API tokens: the rules every store keeps (names, the token's shape, its hash),
and their SQL form (on any ``SqlConnection``), shared by the stores and ``revenge-admin``.

A token reads ``rv_<id>_<secret>``; only a SHA-256 of the secret is stored (the secret has
256 bits of entropy, so a slow hash adds nothing), and it is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import attrs

from revenge.store.sql import DuplicateRow, SqlConnection

PREFIX = "rv"


@attrs.frozen
class User:
    """A person who may watch."""

    id: str
    name: str
    is_admin: bool


@attrs.frozen
class TokenInfo:
    """A token's public facts (never its secret)."""

    id: str
    user: str
    label: str
    created_at: float
    revoked: bool


class AccountError(ValueError):
    """A user or token operation that cannot be done (unknown name, duplicate...)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- the rules, whatever keeps the accounts (SQL below, or revenge.testing's memory) --

def new_user(name: str, *, admin: bool = False) -> User:
    """A user with a fresh id, once ``name`` is checked."""
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
        raise AccountError("a user name is 1-64 letters, digits, - or _")
    return User(secrets.token_hex(8), name, admin)


@attrs.frozen
class NewToken:
    """A token as made: its id, the hash to store, and the text shown once."""

    id: str
    secret_hash: str
    text: str


def new_token() -> NewToken:
    """A fresh token: ``rv_<id>_<secret>``, 256 bits of secret."""
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return NewToken(token_id, _hash(secret), f"{PREFIX}_{token_id}_{secret}")


def parse_token(token: str) -> tuple[str, str] | None:
    """A token's ``(id, secret)``; None when it is not shaped like one of ours."""
    prefix, _, rest = token.partition("_")
    token_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not token_id or not secret or len(token) > 200:
        return None
    return token_id, secret


def secret_matches(secret_hash: str, secret: str) -> bool:
    """Whether ``secret`` is the one ``secret_hash`` was made from (constant-time)."""
    return hmac.compare_digest(secret_hash, _hash(secret))


# -- on a SQL connection -----------------------------------------------------------------

def add_user(connection: SqlConnection, name: str, *, admin: bool = False) -> User:
    """Create a user."""
    user = new_user(name, admin=admin)
    try:
        with connection.transaction():
            connection.run(
                "INSERT INTO users (id, name, is_admin, created_at) VALUES (?, ?, ?, ?)",
                (user.id, name, int(admin), time.time()),
            )
    except DuplicateRow:
        raise AccountError(f"user {name!r} exists already") from None
    return user


def users(connection: SqlConnection) -> list[User]:
    """Every user, by name."""
    rows = connection.query("SELECT id, name, is_admin FROM users ORDER BY name")
    return [User(i, n, bool(a)) for i, n, a in rows]


def remove_user(connection: SqlConnection, name: str) -> None:
    """Delete a user, their tokens and their preferences."""
    with connection.transaction():
        user_id = _user_id(connection, name)
        connection.run("DELETE FROM tokens WHERE user_id = ?", (user_id,))
        connection.run("DELETE FROM preferences WHERE user_id = ?", (user_id,))
        connection.run("DELETE FROM users WHERE id = ?", (user_id,))


def _user_id(connection: SqlConnection, name: str) -> str:
    rows = connection.query("SELECT id FROM users WHERE name = ?", (name,))
    if not rows:
        raise AccountError(f"no user {name!r}")
    return str(rows[0][0])


def create_token(connection: SqlConnection, name: str, *, label: str = "") -> str:
    """A new token for user ``name``; the returned text is the only copy of the secret."""
    user_id = _user_id(connection, name)
    token = new_token()
    connection.run(
            "INSERT INTO tokens (id, user_id, secret_hash, label, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token.id, user_id, token.secret_hash, label, time.time()),
        )
    return token.text


def tokens(connection: SqlConnection) -> list[TokenInfo]:
    """Every token's public facts."""
    rows = connection.query(
        "SELECT t.id, u.name, t.label, t.created_at, t.revoked_at IS NOT NULL"
        " FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY u.name, t.created_at"
    )
    return [TokenInfo(i, u, label, c, bool(r)) for i, u, label, c, r in rows]


def revoke_token(connection: SqlConnection, token_id: str) -> None:
    """Revoke a token at once."""
    done = connection.run(
        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (time.time(), token_id),
    )
    if done == 0:
        raise AccountError(f"no active token {token_id!r}")


def authenticate(connection: SqlConnection, token: str) -> User | None:
    """The user a token belongs to, or None if it is malformed, unknown or revoked."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    token_id, secret = parsed
    rows = connection.query(
        "SELECT t.secret_hash, u.id, u.name, u.is_admin FROM tokens t"
        " JOIN users u ON u.id = t.user_id WHERE t.id = ? AND t.revoked_at IS NULL",
        (token_id,),
    )
    if not rows:
        return None
    secret_hash, user_id, name, is_admin = rows[0]
    if not secret_matches(secret_hash, secret):
        return None
    return User(user_id, name, bool(is_admin))


def ensure_first_admin(connection: SqlConnection) -> str | None:
    """On a store with no users, create ``admin`` and return its token; else None. Nodes
    starting together take turns: only the first finds no users."""
    with connection.exclusive("first-admin"):
        ((count,),) = connection.query("SELECT COUNT(*) FROM users")
        if count:
            return None
        add_user(connection, "admin", admin=True)
        return create_token(connection, "admin", label="first start")
