"""A minimal internal listener for ``range_serving.py``: every file of ``--dir`` served as
``/internal/stream/{file name}`` through ``InternalStreamResource`` on the same ``Site`` and
zero-copy port the real internal listener uses, and nothing else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twisted.internet import reactor
from twisted.web.resource import Resource

from revenge.api.site import RevengeSite
from revenge.files.resource import InternalStreamResource, MediaFile, content_type_for
from revenge.files.zerocopy import SendfilePort


def main() -> None:
    """Listen on ``--port`` (loopback) until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    # The library's lookup is a dict lookup too: ids resolved without touching the disk.
    files = {p.name: MediaFile(p, content_type_for(p)) for p in args.dir.iterdir()}
    internal = Resource()
    internal.putChild(b"stream", InternalStreamResource(files.get, token=args.token))
    root = Resource()
    root.putChild(b"internal", internal)
    site = RevengeSite(root, listener="internal")
    SendfilePort(args.port, site, 1024, "127.0.0.1", reactor).startListening()
    print("ready", flush=True, file=sys.stderr)
    reactor.run()


if __name__ == "__main__":
    main()
