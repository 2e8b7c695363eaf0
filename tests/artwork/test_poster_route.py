"""``/api/v1/media/{id}/poster`` over a scanned folder: the media JSON's signed
``poster_url``, there once the poster is made, loads without a bearer token, names the
poster's version (so it is cached for good), answers 304 to a browser that has it, and
refuses a forged token."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from revenge.testing import AppHarness
from tests.artwork.support import dark_opening_clip, jpeg
from tests.media import make_clip

pytestmark = pytest.mark.slow


@pytest_twisted.ensureDeferred
async def test_the_poster_url_serves_the_poster(tmp_path: Path) -> None:
    media = tmp_path / "media"
    dark_opening_clip(media / "Film (1999).mp4", seconds=4.0, width=640, height=360)
    make_clip(media / "Song.m4a", seconds=1.0, extra=("-vn",))
    harness = AppHarness(folders=[media])
    alice = harness.new_user("alice")
    items = {i["title"]: i for i in alice.get("/api/v1/media").json()["items"]}
    film, song = items["Film"], items["Song"]
    assert song["poster_url"] is None
    assert film["poster_url"] is None  # not made yet: no <img> waits for ffmpeg
    record = harness.library.get(film["id"])
    assert record is not None
    made = await harness.artwork.poster(record)
    assert made is not None
    url = alice.get(f"/api/v1/media/{film['id']}").json()["poster_url"]
    assert url.startswith(f"/api/v1/media/{film['id']}/poster?v={made.etag}&t=")

    answer = harness.anonymous.get(url)  # an <img> sends no token but the URL's
    assert answer.status == 200 and answer.header("Content-Type") == "image/jpeg"
    assert answer.header("Cache-Control") == "private, max-age=31536000, immutable"
    assert jpeg(answer.body, tmp_path)[:2] == (640, 360)
    etag = answer.header("ETag")
    assert etag == f'"{made.etag}"'
    again = harness.anonymous.get(url, headers={"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    unversioned = url.replace(f"v={made.etag}", "v=0")
    assert harness.anonymous.get(unversioned).header("Cache-Control") == "private, no-cache"
    forged = url.rsplit("&t=", 1)[0] + "&t=1.forged"
    assert harness.anonymous.get(forged).status == 401
    assert alice.get(f"/api/v1/media/{song['id']}/poster").error == "poster_not_found"
    harness.stop()
