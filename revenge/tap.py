"""``twistd revenge``: command-line options and ``makeService``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from twisted.application.service import IService
from twisted.python import usage

from revenge.config import ConfigError, load_config
from revenge.store.sql import StoreUnavailable


class Options(usage.Options):
    """Options of ``twistd revenge``; each overrides the same setting of the config file."""

    synopsis = "[options]"
    longdesc = (
        "Serve a media library: HLS through Blackbeard (embedded ffmpeg unless --blackbeard-url), "
        "range requests, sessions and metrics. Settings and their defaults: etc/revenge.toml."
    )
    optParameters = [
        ["config", "c", None, "TOML config file (see etc/revenge.toml for every setting)."],
        ["internal-listen", None, None,
         "Endpoint of the internal listener Blackbeard reads from (default loopback)."],
        ["data-dir", "d", None, "Directory for the database and secrets."],
        ["node-name", None, None,
         "This node's name in X-Revenge-Node and the metrics (default: the host name)."],
        ["store-url", None, None,
         "PostgreSQL URL of the store every node shares (default: SQLite in the data dir)."],
        ["log-format", None, None, "Log format: text or json."],
    ]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self["listen"] = []
        self["media"] = []
        self["blackbeard-url"] = []

    def opt_listen(self, endpoint: str) -> None:
        """Public endpoint to listen on (repeatable; default tcp:8080:interface=127.0.0.1)."""
        self["listen"].append(endpoint)

    def opt_media(self, directory: str) -> None:
        """A media directory to serve (repeatable)."""
        self["media"].append(directory)

    def opt_blackbeard_url(self, url: str) -> None:
        """An external Blackbeard's base URL (repeatable: a pool; default: embedded)."""
        self["blackbeard-url"].append(url)

    def postOptions(self) -> None:
        parent = getattr(self, "parent", None)
        if self["log-format"] == "json" and parent is not None:
            # twistd builds its log observer from its own --logger option, after us.
            parent["logger"] = "revenge.observability.logs.json_observer"

    def overrides(self) -> dict[str, dict[str, Any]]:
        """The config settings these options override."""
        server: dict[str, Any] = {}
        if self["listen"]:
            server["listen"] = list(self["listen"])
        for option, key in (("internal-listen", "internal_listen"), ("data-dir", "data_dir"),
                            ("log-format", "log_format"), ("node-name", "node_name")):
            if self[option] is not None:
                server[key] = self[option]
        result: dict[str, dict[str, Any]] = {"server": server}
        if self["media"]:
            result["library"] = {"media": [str(Path(m).resolve()) for m in self["media"]]}
        if self["store-url"] is not None:
            result["store"] = {"url": self["store-url"]}
        if self["blackbeard-url"]:
            # The command line's pool replaces the config file's, ``url`` included.
            result["blackbeard"] = {"url": "", "urls": list(self["blackbeard-url"])}
        return result


def makeService(options: Options) -> IService:
    """Build the service tree, or stop with one clear line if the configuration is wrong."""
    from twisted.internet import reactor

    from revenge.server import build_service

    path = Path(options["config"]) if options["config"] else None
    try:
        config = load_config(path, options.overrides())
    except ConfigError as error:
        sys.stderr.write(f"revenge: config error: {error}\n")
        raise SystemExit(2) from None
    try:
        return build_service(config, reactor=reactor)
    except StoreUnavailable as error:
        sys.stderr.write(f"revenge: store unavailable: {error}\n")
        raise SystemExit(1) from None
