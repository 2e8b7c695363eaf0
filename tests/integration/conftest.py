"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def media_dir(tmp_path: Path, clip_30s: Path) -> Path:
    """A media folder holding the 30 s clip (hard-linked: no copy)."""
    media = tmp_path / "media"
    media.mkdir()
    os.link(clip_30s, media / "film.mp4")
    return media
