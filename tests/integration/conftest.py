"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import Server


@pytest.fixture
def media_dir(tmp_path: Path, clip_30s: Path) -> Path:
    """A media folder holding the 30 s clip (hard-linked: no copy)."""
    media = tmp_path / "media"
    media.mkdir()
    os.link(clip_30s, media / "film.mp4")
    return media


@pytest.fixture
def blackbeards(tmp_path: Path) -> Iterator[list[Server]]:
    """Two real ``twistd blackbeard`` on loopback, killed afterwards."""
    started: list[Server] = []
    try:
        for n in range(2):
            started.append(Server(tmp_path / f"bb{n}", ["--work-dir", str(tmp_path / f"w{n}")],
                                  plugin="blackbeard").start(ready_path="/api/v1/health"))
        yield started
    finally:
        for each in started:
            each.stop(signal.SIGKILL)
