"""Start a real ``twistd revenge`` on the subtitled test film for the tracks browser test.

Run as ``python -m tests.browser.launch_tracks WORKDIR`` from the repository root. It makes
the film (``tests.subtitled``) in ``WORKDIR/media`` and, once the scan lists its three files,
prints one JSON line: ``base``, ``token``, ``log`` (the server's log file), ``media_id`` and
``title`` of ``Film.mkv``, ``duration``, ``audio`` (the mkv's audio tracks: ``language``,
``channels``, ``title``, ``default``) and ``subtitles`` (its subtitle tracks in Revenge's
numbering: ``codec``, ``text``, ``language``, ``forced``, ``sidecar`` (a file
beside the film), ``cues`` as ``start``, ``end``,
``text``). Then it keeps the server running until its standard input closes, and stops it
cleanly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.browser.launch import announce
from tests.server import Server, admin_token, wait_for
from tests.subtitled import Film, make_film


def _describe(film: Film) -> dict[str, Any]:
    """What the browser test needs to know of the film's tracks."""
    return {
        "duration": film.duration,
        "audio": [{"language": a.language, "channels": a.channels, "title": a.title,
                   "default": a.default} for a in film.audio],
        "subtitles": [{"codec": t.codec, "text": t.text, "language": t.language,
                       "forced": t.forced, "sidecar": t.sidecar is not None,
                       "cues": [{"start": c.start, "end": c.end, "text": c.text}
                                for c in t.cues]} for t in film.subtitles],
    }


def main(workdir: Path) -> int:
    """Serve the film's folder until stdin reaches end of file."""
    film = make_film(workdir / "media")
    data = workdir / "data"
    token = admin_token(data, "viewer")
    server = Server(workdir / "run", ["--media", str(film.mkv.parent), "--data-dir", str(data)],
                    token=token)
    with server:
        def listed() -> list[dict[str, Any]] | None:
            page = server.get("/api/v1/media").json()
            items: list[dict[str, Any]] = page["items"]
            return items if page["total"] == 3 else None

        items = wait_for(listed, what="the scan to list the film's files", timeout=120)
        item = next(i for i in items if i["file"] == film.mkv.name)
        announce(server, token, media_id=item["id"], title=item["title"], **_describe(film))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
