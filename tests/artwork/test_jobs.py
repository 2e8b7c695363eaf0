"""Background jobs you can see: after a scan, posters are made for every video, and
``/api/v1/library/jobs`` says how far the scan and each kind of artwork are."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from revenge.testing import AppHarness
from tests.artwork.support import dark_opening_clip

pytestmark = pytest.mark.slow


@pytest_twisted.ensureDeferred
async def test_jobs_report_the_scan_and_the_posters(tmp_path: Path) -> None:
    media = tmp_path / "media"
    for name in ("One.mp4", "Two.mp4"):
        dark_opening_clip(media / name, seconds=3.0, width=320, height=180)
    harness = AppHarness(folders=[media], artwork_background=True)
    alice = harness.new_user("alice")
    posters = harness.artwork.queues()[0]
    await posters.idle()
    jobs = {j["kind"]: j for j in alice.get("/api/v1/library/jobs").json()["jobs"]}
    assert jobs["scan"] == {"kind": "scan", "running": False, "done": 2, "total": 2,
                            "failed": 0, "current": None}
    assert jobs["posters"] == {"kind": "posters", "running": False, "done": 2, "total": 2,
                               "failed": 0, "current": None}
    made = {p.name: p.stat().st_mtime_ns for p in harness.artwork.files.posters.iterdir()}
    assert sorted(Path(name).suffix for name in made) == [".jpg"] * 2
    # A rescan finds them made: nothing is made again, and the count starts over.
    harness.library.scan()
    await posters.idle()
    again = {j["kind"]: j for j in alice.get("/api/v1/library/jobs").json()["jobs"]}
    assert (again["posters"]["done"], again["posters"]["total"]) == (2, 2)
    assert {p.name: p.stat().st_mtime_ns
            for p in harness.artwork.files.posters.iterdir()} == made
    assert harness.anonymous.get("/api/v1/library/jobs").status == 401
    harness.stop()
