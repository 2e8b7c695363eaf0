"""Runs the Node/Playwright browser test (``player.test.mjs``) where its tools are installed.

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


def test_web_player_in_chromium() -> None:
    missing = _missing()
    if missing is not None:
        pytest.skip(f"browser test not run: {missing}")
    done = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "player.test.mjs"], cwd=HERE,
        env={**os.environ, "REVENGE_PYTHON": sys.executable, "CHROMIUM": CHROMIUM},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
