"""The organised library over the API: films, series → seasons → episodes, albums, search,
sorting, "continue watching" and "next episode", and the friendly facts of each item."""

from __future__ import annotations

import attrs
import pytest

from revenge.store.records import StreamInfo
from revenge.testing import AppHarness, Client
from revenge.testing.media import audio_record, moved, video_record

DAY = 86_400 * 10**9
MATRIX = moved(video_record("x", duration=8000.0),
               "Films/The Matrix (1999)/The.Matrix.1999.1080p.mkv", mtime_ns=10 * DAY)
AMELIE = moved(video_record("x", duration=7000.0), "Films/Amélie (2001).mp4", mtime_ns=30 * DAY)
ALIEN = moved(video_record("x", duration=6000.0), "Films/Alien [1979].mkv", mtime_ns=20 * DAY)
HOLIDAY = moved(video_record("x"), "Home/beach.mp4", mtime_ns=5 * DAY)
EPISODES = {(season, number): moved(video_record("x", duration=1200.0),
                                    f"Shows/Lost/Season {season}/Lost.S0{season}E0{number}.mkv")
            for season in (2, 1) for number in (3, 1, 2)}
SPECIAL = moved(video_record("x", duration=600.0), "Shows/Lost/Specials/Lost S00E01 Recap.mkv")
TRACKS = [moved(audio_record("x", tags={"artist": "Band", "album": "Record",
                                        "track": f"{n}/3", "title": f"Song {n}"}),
                f"Music/Band/Record/{n:02d}.m4a") for n in (3, 1, 2)]
_SINGLE = moved(audio_record("x", tags={"artist": "Band", "album": "Single", "title": "Hit"}),
                "Music/Band/Single/Hit.m4a")
# A song with its cover inside (no file to read here: the probe says so).
PICTURED = attrs.evolve(_SINGLE, probe=attrs.evolve(_SINGLE.probe, streams=(
    *_SINGLE.probe.streams, StreamInfo(index=1, kind="video", codec="mjpeg",
                                       attached_picture=True))))
LIBRARY = (MATRIX, AMELIE, ALIEN, HOLIDAY, *EPISODES.values(), SPECIAL, *TRACKS, PICTURED)


@pytest.fixture
def harness() -> AppHarness:
    """The app over this library (``alice`` and the others of conftest use it)."""
    return AppHarness(records=LIBRARY)


def _viewer(harness: AppHarness) -> tuple[str, Client]:
    """A new user's id, and a client of theirs."""
    user = harness.store.add_user("carol")
    return user.id, harness.anonymous.with_token(harness.store.create_token("carol"))


def _titles(answer_items: list[dict[str, object]]) -> list[object]:
    return [i["title"] for i in answer_items]


def test_films_are_listed_with_title_and_year_sorted_as_asked(alice: Client) -> None:
    films = alice.get("/api/v1/media?category=film").json()
    assert _titles(films["items"]) == ["Alien", "Amélie", "The Matrix"]  # "The" sorts under M
    assert films["total"] == 3
    matrix = films["items"][2]
    assert matrix["library"] == {"category": "film", "title": "The Matrix", "year": 1999}
    by_year = alice.get("/api/v1/media?category=film&sort=year").json()["items"]
    assert _titles(by_year) == ["Amélie", "The Matrix", "Alien"]  # newest first
    oldest = alice.get("/api/v1/media?category=film&sort=year&order=asc").json()["items"]
    assert _titles(oldest) == ["Alien", "The Matrix", "Amélie"]
    added = alice.get("/api/v1/media?category=film&sort=added").json()["items"]
    assert [i["id"] for i in added] == [AMELIE.id, ALIEN.id, MATRIX.id]
    assert added[0]["added_at"] == "1970-01-31T00:00:00+00:00"


def test_search_finds_items_by_a_word_of_their_title(alice: Client) -> None:
    assert _titles(alice.get("/api/v1/media?q=matr").json()["items"]) == ["The Matrix"]
    assert _titles(alice.get("/api/v1/media?q=amelie").json()["items"]) == ["Amélie"]
    lost = alice.get("/api/v1/media?q=lost&category=episode").json()
    assert lost["total"] == 7
    songs = alice.get("/api/v1/media?q=band%20song%202").json()["items"]
    assert _titles(songs) == ["Song 2"]
    assert alice.get("/api/v1/media?q=nothing").json() == {
        "items": [], "total": 0, "offset": 0, "limit": 50}


def test_a_series_lists_its_seasons_and_episodes_in_order(alice: Client) -> None:
    listed = alice.get("/api/v1/library/series").json()["items"]
    assert [(s["title"], s["season_count"], s["episode_count"]) for s in listed] == [
        ("Lost", 2, 7)]
    assert listed[0]["first_episode_id"] == EPISODES[(1, 1)].id
    series = alice.get(f"/api/v1/library/series/{listed[0]['id']}").json()
    assert [(s["number"], s["title"]) for s in series["seasons"]] == [
        (0, "Specials"), (1, "Season 1"), (2, "Season 2")]
    assert [[e["id"] for e in s["episodes"]] for s in series["seasons"][1:]] == [
        [EPISODES[(1, n)].id for n in (1, 2, 3)], [EPISODES[(2, n)].id for n in (1, 2, 3)]]
    first = series["seasons"][1]["episodes"][0]["library"]
    assert (first["series"], first["season"], first["episode"], first["series_id"]) == (
        "Lost", 1, 1, listed[0]["id"])
    assert series["seasons"][0]["episodes"][0]["title"] == "Recap"
    assert alice.get("/api/v1/library/series/0000").error == "series_not_found"


def test_albums_list_their_tracks_by_number(alice: Client) -> None:
    albums = alice.get("/api/v1/library/albums").json()["items"]
    assert [(a["artist"], a["title"], a["track_count"]) for a in albums] == [
        ("Band", "Record", 3), ("Band", "Single", 1)]
    assert albums[0]["cover_url"] is None  # no picture in the songs nor beside them
    assert albums[1]["cover_url"].startswith(f"/api/v1/media/{PICTURED.id}/cover?t=")
    album = alice.get(f"/api/v1/library/albums/{albums[0]['id']}").json()
    assert _titles(album["tracks"]) == ["Song 1", "Song 2", "Song 3"]
    assert album["tracks"][0]["library"]["album_id"] == albums[0]["id"]
    assert alice.get("/api/v1/library/albums/0000").error == "album_not_found"


def test_continue_watching_is_started_unfinished_most_recent_first(
        harness: AppHarness) -> None:
    user_id, alice = _viewer(harness)
    for media, position, at in ((MATRIX, 4000.0, 100.0), (AMELIE, 6900.0, 101.0),
                                (ALIEN, 10.0, 102.0), (EPISODES[(1, 2)], 300.0, 103.0),
                                (HOLIDAY, 3.0, 99.0)):
        harness.store.save_progress(user_id, media.id, position, at)
    watching = alice.get("/api/v1/library/continue").json()["items"]
    # Amélie is finished (past 90 %), Alien barely begun (10 s of 100 min).
    assert [(i["id"], i["resume_position"]) for i in watching] == [
        (EPISODES[(1, 2)].id, 300.0), (MATRIX.id, 4000.0), (HOLIDAY.id, 3.0)]
    assert alice.get("/api/v1/library/continue?limit=1").json()["items"][0]["id"] == \
        EPISODES[(1, 2)].id


def test_next_episode_follows_the_last_finished_one(harness: AppHarness) -> None:
    user_id, alice = _viewer(harness)
    assert alice.get("/api/v1/library/next").json()["items"] == []
    harness.store.save_progress(user_id, EPISODES[(1, 3)].id, 1190.0, 100.0)
    assert [i["id"] for i in alice.get("/api/v1/library/next").json()["items"]] == [
        EPISODES[(2, 1)].id]  # the season's last leads to the next season
    harness.store.save_progress(user_id, EPISODES[(2, 1)].id, 200.0, 101.0)
    assert alice.get("/api/v1/library/next").json()["items"] == []  # one under way


def test_items_carry_friendly_details() -> None:
    hevc = attrs.evolve(MATRIX, probe=attrs.evolve(MATRIX.probe, streams=(
        StreamInfo(index=0, kind="video", codec="hevc", width=3840, height=2160,
                   bit_depth=10, color_transfer="pq"),
        StreamInfo(index=1, kind="audio", codec="eac3", channels=6)), duration=6125.4),
        size=14_200_000_000)
    harness = AppHarness(records=(hevc,))
    details = harness.new_user("a").get(f"/api/v1/media/{hevc.id}").json()["details"]
    assert details == {"container": "MKV", "video": "HEVC 10-bit HDR", "resolution": "4K",
                       "audio": "E-AC-3 5.1", "channels": "5.1", "duration": "1:42:05",
                       "size": "14.2 GB"}


@pytest.mark.parametrize(("query", "code"), [
    ("category=tv", "bad_argument"), ("sort=rating", "bad_argument"),
    ("order=up", "bad_argument"), ("q=" + "a" * 201, "bad_argument")])
def test_bad_listing_arguments_are_400s(alice: Client, query: str, code: str) -> None:
    answer = alice.get(f"/api/v1/media?{query}")
    assert (answer.status, answer.error) == (400, code)
