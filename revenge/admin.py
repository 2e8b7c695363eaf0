"""``revenge-admin``: manage users and API tokens in the server's database (SQLite in its data
directory, or the PostgreSQL database its config's ``[store] url`` names).

    revenge-admin --data-dir DIR user add NAME [--admin]
    revenge-admin --data-dir DIR user list | user remove NAME
    revenge-admin --data-dir DIR token create NAME [--label TEXT]
    revenge-admin --data-dir DIR token list | token revoke ID

Safe while the server runs: the database takes the writes (SQLite in WAL mode), and the
server checks tokens against it on every request, so a revocation applies at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from revenge.config import Config, ConfigError, load_config
from revenge.store import accounts
from revenge.store.choice import blocking_connection
from revenge.store.sql import StoreUnavailable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="revenge-admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="the server's data directory")
    parser.add_argument("--config", help="the server's TOML config (its data_dir, [store] url)")
    parser.add_argument("--store-url", help="the PostgreSQL URL of a cluster's store")
    kinds = parser.add_subparsers(dest="kind", required=True)
    for kind, actions in _COMMANDS.items():
        parsers = kinds.add_parser(kind).add_subparsers(dest="action", required=True)
        for action, arguments in actions.items():
            command = parsers.add_parser(action)
            for argument in arguments:
                if argument == "--admin":
                    command.add_argument(argument, action="store_true")
                elif argument.startswith("--"):
                    command.add_argument(argument, default="")
                else:
                    command.add_argument(argument)
    return parser


# kind → action → its arguments ("--admin" is a flag, other options default to "").
_COMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "user": {"add": ("name", "--admin"), "list": (), "remove": ("name",)},
    "token": {"create": ("name", "--label"), "list": (), "revoke": ("id",)},
}


def _config(args: argparse.Namespace) -> Config:
    overrides = {"server": {"data_dir": args.data_dir}} if args.data_dir else {}
    if args.store_url:
        overrides["store"] = {"url": args.store_url}
    return load_config(Path(args.config) if args.config else None, overrides)


def run(argv: list[str]) -> str:
    """Carry out one command; return what to print."""
    args = _parser().parse_args(argv)
    with blocking_connection(_config(args)) as connection:
        match (args.kind, args.action):
            case ("user", "add"):
                user = accounts.add_user(connection, args.name, admin=args.admin)
                return f"user {user.name} added" + (" (admin)" if user.is_admin else "")
            case ("user", "list"):
                return "\n".join(f"{u.name}{' (admin)' if u.is_admin else ''}"
                                 for u in accounts.users(connection))
            case ("user", "remove"):
                accounts.remove_user(connection, args.name)
                return f"user {args.name} removed"
            case ("token", "create"):
                token = accounts.create_token(connection, args.name, label=args.label)
                return f"{token}\n(shown once: keep it; send it as 'Authorization: Bearer ...')"
            case ("token", "list"):
                return "\n".join(
                    f"{t.id}  {t.user}  {t.label or '-'}  {'revoked' if t.revoked else 'active'}"
                    for t in accounts.tokens(connection))
            case ("token", "revoke"):
                accounts.revoke_token(connection, args.id)
                return f"token {args.id} revoked"
    raise AssertionError("argparse let an unknown command through")


def main() -> None:
    """Console entry point."""
    try:
        output = run(sys.argv[1:])
    except (accounts.AccountError, ConfigError, StoreUnavailable) as error:
        sys.exit(f"revenge-admin: {error}")
    if output:
        print(output)


if __name__ == "__main__":
    main()
