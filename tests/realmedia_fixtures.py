"""The pytest fixture that makes the real-media library once per test session.

Import ``real_library`` into a ``conftest.py`` to use it. With ``REVENGE_REAL_LIBRARY``
set to a folder, the library is made (or completed) there and kept between sessions,
which saves its minute of encoding while working on the tests that use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.realmedia import make_library


@pytest.fixture(scope="session")
def real_library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every file of ``tests.realmedia.CATALOGUE``, by name."""
    kept = os.environ.get("REVENGE_REAL_LIBRARY")
    directory = Path(kept) if kept else tmp_path_factory.mktemp("real-library")
    return make_library(directory)
