"""Scrubbing previews of a video, made into the artwork directory: its sprite sheets and a
``layout.json`` written last, so a folder with one is a complete set."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TypeVar

from revenge.artwork.child import ArtworkFailed, run_child
from revenge.artwork.maker import Maker
from revenge.artwork.trickplay import Layout, layout, sheet_name, trickplay_argv
from revenge.halt import Halt
from revenge.store.records import MediaRecord

T = TypeVar("T")
LAYOUT = "layout.json"
SHEET = re.compile(r"^sheet-([0-9]{3})\.jpg$")


class Thumbnails(Maker[Layout]):
    """Finds and makes previews (``make`` is the thumbnail queue's work)."""

    def _look(self, record: MediaRecord) -> Layout | None:
        """The previews' layout on disk, written once they were complete (blocking)."""
        try:
            doc = json.loads((self._files.thumbnails(record) / LAYOUT).read_text())
        except (OSError, ValueError):
            return None
        return Layout.from_json(doc)

    def sheet(self, record: MediaRecord, name: str) -> Path | None:
        """The sheet file ``name`` of the previews made (no disk access), or None."""
        made = self.known(record)
        match = SHEET.match(name)
        if made is None or match is None or int(match[1]) >= made.sheets:
            return None
        return self._files.thumbnails(record) / name

    async def make(self, record: MediaRecord, halt: Halt) -> None:
        """Make ``record``'s previews unless they are made."""
        if await self.find(record) is not None:
            return
        plan = layout(record)
        if plan is None:
            raise ArtworkFailed(f"{record.relative_path} has no picture of known size")
        final = self._files.thumbnails(record)
        part = self._files.part(final)
        await self._thread(lambda: _empty(part))
        try:
            await run_child(halt, trickplay_argv(self._ffmpeg, record.path, str(part), plan),
                            reactor=self._reactor, clock=self._clock,
                            timeout=max(600.0, record.probe.duration or 0.0),
                            what=record.relative_path)
            await self._thread(lambda: _finish(part, plan))
        except ArtworkFailed:
            await self._thread(lambda: shutil.rmtree(part, ignore_errors=True))
            raise
        await self._thread(lambda: self._files.commit(final))
        await self.find(record)


def _empty(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _finish(folder: Path, plan: Layout) -> None:
    """Check that every sheet is there, then write the layout (blocking)."""
    missing = [n for n in range(plan.sheets) if not (folder / sheet_name(n)).is_file()]
    if missing:
        raise ArtworkFailed(f"ffmpeg made {plan.sheets - len(missing)} of {plan.sheets} "
                            "preview sheets")
    (folder / LAYOUT).write_text(json.dumps(plan.to_json()))
