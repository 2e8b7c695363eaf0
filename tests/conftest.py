"""Shared fixtures: generated media, cached for the whole test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import make_clip
from tests.realmedia_fixtures import real_library
from tests.subtitled import subtitled_film

__all__ = ["real_library", "subtitled_film"]


@pytest.fixture(scope="session")
def clip_30s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30 s 320x240 H.264/AAC MP4."""
    return make_clip(tmp_path_factory.mktemp("media") / "clip30.mp4", seconds=30)


@pytest.fixture(scope="session")
def clip_4s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s 320x240 H.264/AAC MP4."""
    return make_clip(tmp_path_factory.mktemp("media") / "clip4.mp4", seconds=4)
