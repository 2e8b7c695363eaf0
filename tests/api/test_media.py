"""The library API: listing (sorted, paged), details with each user's resume position, and
scanning media folders (placeholder files with prepared probes, and real ffmpeg-made ones)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs

from revenge.testing import AppHarness, Client, InlineProbe
from revenge.testing.media import video_record
from tests.api.support import BROKEN, FILM, OTHER, SONG, open_session


def test_the_listing_is_sorted_by_title_and_paged(alice: Client) -> None:
    page = alice.get("/api/v1/media")
    assert page.status == 200 and page.header("Cache-Control") == "no-store"
    doc = page.json()
    assert [i["title"] for i in doc["items"]] == ["Another film", "broken", "Film", "Song"]
    assert (doc["total"], doc["offset"], doc["limit"]) == (4, 0, 50)
    second = alice.get("/api/v1/media?offset=1&limit=2").json()
    assert [i["id"] for i in second["items"]] == [BROKEN.id, FILM.id]
    assert (second["total"], second["offset"], second["limit"]) == (4, 1, 2)
    assert alice.get("/api/v1/media?offset=4").json()["items"] == []


def test_items_show_what_the_probe_found_and_no_absolute_path(alice: Client) -> None:
    items = {i["id"]: i for i in alice.get("/api/v1/media").json()["items"]}
    film = items[FILM.id]
    assert (film["kind"], film["duration"], film["file"]) == ("video", 30.0, "Film.mp4")
    assert [(s["kind"], s.get("language")) for s in film["streams"]] == [
        ("video", None), ("audio", "en"), ("audio", "fr")]
    assert film["playable"] is True and film["probe_error"] is None
    song = items[SONG.id]
    assert (song["kind"], song["tags"]) == ("audio", {"artist": "Band", "album": "Record"})
    assert song["cover_url"] is None  # no picture in the file nor beside it: no <img> to fail
    broken = items[BROKEN.id]
    assert broken["playable"] is False and broken["probe_error"].startswith("InvalidDataError")
    assert broken["duration"] is None and broken["kind"] == "other"
    assert '"/media/' not in json.dumps(items)  # no path of the server's disk


def test_details_carry_each_users_own_resume_position(alice: Client, bob: Client) -> None:
    detail = alice.get(f"/api/v1/media/{FILM.id}")
    assert detail.status == 200 and detail.json()["resume_position"] is None
    listed = next(i for i in alice.get("/api/v1/media").json()["items"] if i["id"] == FILM.id)
    assert detail.json() == listed
    session = open_session(alice, FILM.id)
    beat = alice.post(f"/api/v1/playback/sessions/{session['session_id']}/progress",
                      {"position": 7.5, "state": "playing"})
    assert beat.status == 200
    assert alice.get(f"/api/v1/media/{FILM.id}").json()["resume_position"] == 7.5
    assert bob.get(f"/api/v1/media/{FILM.id}").json()["resume_position"] is None
    assert alice.get(f"/api/v1/media/{OTHER.id}").json()["resume_position"] is None


def _placeholders(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"not really media: the probe is told what it holds")


def test_a_scanned_folder_is_listed_and_a_rescan_finds_new_files(tmp_path: Path) -> None:
    _placeholders(tmp_path, "films/Zebra.mp4", "alpha.mp4", "notes.txt")
    known = {name: FILM.probe for name in ("Zebra.mp4", "alpha.mp4", "beta.mp4", "moved.mp4")}
    probe = InlineProbe(known)
    harness = AppHarness(folders=[tmp_path], probe=probe)
    viewer, admin = harness.new_user("viewer"), harness.new_user("boss", admin=True)
    before = {i["file"]: i["id"] for i in viewer.get("/api/v1/media").json()["items"]}
    assert list(before) == ["alpha.mp4", "films/Zebra.mp4"]
    assert sorted(p.name for p in probe.probed) == ["Zebra.mp4", "alpha.mp4"]

    _placeholders(tmp_path, "beta.mp4")
    assert admin.post("/api/v1/library/scan").status == 202
    status = viewer.get("/api/v1/library/scan").json()
    assert status["scanning"] is False
    assert {k: status["last"][k] for k in ("found", "probed", "unchanged", "removed")} == {
        "found": 3, "probed": 1, "unchanged": 2, "removed": 0}
    after = {i["file"]: i["id"] for i in viewer.get("/api/v1/media").json()["items"]}
    assert list(after) == ["alpha.mp4", "beta.mp4", "films/Zebra.mp4"]
    assert {k: after[k] for k in before} == before  # ids are stable across a rescan

    # A moved file is another file: a new id, and the old one gone.
    (tmp_path / "alpha.mp4").rename(tmp_path / "moved.mp4")
    admin.post("/api/v1/library/scan")
    assert viewer.get("/api/v1/library/scan").json()["last"]["removed"] == 1
    after = {i["file"]: i["id"] for i in viewer.get("/api/v1/media").json()["items"]}
    assert list(after) == ["beta.mp4", "moved.mp4", "films/Zebra.mp4"]  # by title
    assert after["moved.mp4"] not in before.values()
    assert viewer.get(f"/api/v1/media/{before['alpha.mp4']}").status == 404

    # A restart over the same store: the index answers at once, with the same ids.
    again = AppHarness(folders=[tmp_path], probe=probe, store=harness.store,
                       config=attrs.evolve(harness.config, library=attrs.evolve(
                           harness.config.library, scan_on_start=False)))
    listed = again.new_user("later").get("/api/v1/media").json()["items"]
    assert {i["file"]: i["id"] for i in listed} == after


def test_a_folder_of_real_media_is_probed(tmp_path: Path, clip_4s: Path) -> None:
    (tmp_path / "films").mkdir()
    os.link(clip_4s, tmp_path / "films" / "Zebra.mp4")
    os.link(clip_4s, tmp_path / "alpha.mp4")
    (tmp_path / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3 definitely not matroska" * 50)
    (tmp_path / "readme.txt").write_text("not media")
    viewer = AppHarness(folders=[tmp_path]).new_user("viewer")
    items = viewer.get("/api/v1/media").json()["items"]
    assert [i["title"] for i in items] == ["alpha", "broken", "Zebra"]
    alpha, broken, zebra = items
    assert abs(alpha["duration"] - 4.0) < 0.1 and alpha["playable"] is True
    assert zebra["file"] == "films/Zebra.mp4"
    assert [s["kind"] for s in zebra["streams"]] == ["video", "audio"]
    assert broken["playable"] is False and broken["probe_error"]
    assert str(tmp_path) not in json.dumps(items)


def test_prepared_records_need_no_files(tmp_path: Path) -> None:
    short = video_record("Short", duration=3.0)
    viewer = AppHarness(records=[short]).new_user("viewer")
    (item,) = viewer.get("/api/v1/media").json()["items"]
    assert (item["id"], item["duration"]) == (short.id, 3.0)
