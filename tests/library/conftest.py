"""The probe tests' media: one zoo of ffmpeg-made files, and their probes, per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from revenge.library.probe import probe_file
from revenge.store.records import ProbeResult
from tests.library.probe_media import make_zoo


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Name -> path of every file of ``tests.library.probe_media``."""
    return make_zoo(tmp_path_factory.mktemp("zoo"))


@pytest.fixture(scope="session")
def probes(zoo: dict[str, Path]) -> dict[str, ProbeResult]:
    """Name -> the probe of that file (segment duration 6 s)."""
    return {name: probe_file(path, segment_duration=6.0) for name, path in zoo.items()}
