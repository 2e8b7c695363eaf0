"""Runs the Node/Playwright browser tests where their tools are installed: the web player on a
clip (``player.test.mjs``), its audio and subtitle menus on the subtitled film
(``tracks.test.mjs``), the organised library with posters, search, a series page and
scrubbing previews (``shelves.test.mjs``) and every file of the real library in hls.js
(``library.test.mjs``).

It needs ``node``, Debian's Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``) and the npm
packages (``npm ci`` in ``tests/browser``); without them it skips and says which is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        return "tests/browser/node_modules is missing (npm ci in tests/browser)"
    return None


def _node_test(script: str, **environment: str) -> None:
    """Run one ``node --test`` file here; its report is the failure message."""
    missing = _missing()
    if missing is not None:
        pytest.skip(f"browser test not run: {missing}")
    done = subprocess.run(
        ["node", "--test", "--test-reporter=spec", script], cwd=HERE,
        env={**os.environ, "REVENGE_PYTHON": sys.executable, "CHROMIUM": CHROMIUM,
             **environment},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def test_web_player_in_chromium() -> None:
    _node_test("player.test.mjs")


def test_audio_and_subtitle_tracks_in_chromium() -> None:
    _node_test("tracks.test.mjs")


def test_library_sections_posters_search_series_and_scrubbing_in_chromium() -> None:
    _node_test("shelves.test.mjs")


def test_every_library_file_plays_in_chromium(real_library: dict[str, Path]) -> None:
    # The library this test session made already (the launcher would make its own).
    folder = next(iter(real_library.values())).parent
    _node_test("library.test.mjs", REVENGE_REAL_LIBRARY=str(folder))
