"""Telling films, episodes, music and other videos apart from real-world file names."""

from __future__ import annotations

import pytest

from revenge.library.naming import EPISODE, FILM, MUSIC, VIDEO, Naming, classify, film_title


@pytest.mark.parametrize(("path", "title", "year"), [
    ("Blade Runner (1982).mkv", "Blade Runner", 1982),
    ("Films/Blade Runner (1982)/Blade Runner (1982).mkv", "Blade Runner", 1982),
    ("The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv", "The Matrix", 1999),
    ("Spirited_Away_2001_720p.mp4", "Spirited Away", 2001),
    ("Alien [1979] [Director's Cut].mkv", "Alien", 1979),
    ("2001 A Space Odyssey (1968).mkv", "2001 A Space Odyssey", 1968),
    ("Amélie (2001)/movie.mkv", "Amélie", 2001),
    ("Up 2009 - HDR.mp4", "Up", 2009),
])
def test_films_take_title_and_year_from_the_name(path: str, title: str, year: int) -> None:
    assert classify(path, has_video=True, tags={"title": "x264 release"}) == Naming(
        FILM, title, year=year)


@pytest.mark.parametrize(("path", "series", "season", "episode", "title"), [
    ("Breaking Bad/Season 1/Breaking.Bad.S01E02.720p.mkv", "Breaking Bad", 1, 2,
     "Episode 2"),
    ("Shows/The Wire/Season 03/The Wire - S03E11 - Middle Ground.mkv", "The Wire", 3, 11,
     "Middle Ground"),
    ("Doctor.Who.2005.s02e04.hdtv.avi", "Doctor Who", 2, 4, "Episode 4"),
    ("Friends/Friends - 1x05 - The One with the East German Laundry Detergent.avi",
     "Friends", 1, 5, "The One with the East German Laundry Detergent"),
    ("Lost/Season 2/Episode 07.mp4", "Lost", 2, 7, "Episode 7"),
    ("Lost/S2/03 - Orientation.mp4", "Lost", 2, 3, "Orientation"),
    ("Sherlock (2010)/Specials/Sherlock S00E01 The Abominable Bride.mkv", "Sherlock", 0, 1,
     "The Abominable Bride"),
    ("the_office_us_s05e14e15.mkv", "the office us", 5, 14, "Episode 14"),
    ("Fargo/Staffel 4/Fargo S04E10.mkv", "Fargo", 4, 10, "Episode 10"),
])
def test_episodes_from_patterns_and_folders(path: str, series: str, season: int,
                                            episode: int, title: str) -> None:
    naming = classify(path, has_video=True, tags={})
    assert (naming.category, naming.series, naming.season, naming.episode, naming.title) == (
        EPISODE, series, season, episode, title)


def test_an_episode_title_tag_names_it() -> None:
    naming = classify("Show/Show S01E01.mkv", has_video=True, tags={"title": "Pilot"})
    assert (naming.series, naming.title) == ("Show", "Pilot")


def test_a_series_year_is_kept_apart_from_its_name() -> None:
    naming = classify("Battlestar Galactica (2004)/Season 1/S01E01.mkv", has_video=True,
                      tags={})
    assert (naming.series, naming.year, naming.season, naming.episode) == (
        "Battlestar Galactica", 2004, 1, 1)


@pytest.mark.parametrize(("path", "tags", "expected"), [
    ("Music/Radiohead/OK Computer/02 - Paranoid Android.flac", {},
     Naming(MUSIC, "Paranoid Android", artist="Radiohead", album="OK Computer", track=2)),
    ("Radiohead/OK Computer (1997)/1-03 Subterranean.mp3", {},
     Naming(MUSIC, "Subterranean", artist="Radiohead", album="OK Computer", track=3,
            disc=1)),
    ("x/y/track.mp3", {"title": "Song", "artist": "A", "album_artist": "Various",
                       "album": "Hits", "track": "4/12", "disc": "2/2", "date": "1999-05-01"},
     Naming(MUSIC, "Song", year=1999, artist="Various", album="Hits", track=4, disc=2)),
    ("Loose/Band - Tune.mp3", {"artist": "Band"},
     Naming(MUSIC, "Tune", artist="Band", album="Loose")),
    ("single.ogg", {}, Naming(MUSIC, "single")),
])
def test_music_from_tags_else_folders(path: str, tags: dict[str, str],
                                      expected: Naming) -> None:
    assert classify(path, has_video=False, tags=tags) == expected


@pytest.mark.parametrize(("path", "tags", "title"), [
    ("holiday/beach.mp4", {}, "beach"),
    ("GOPR0042.MP4", {}, "GOPR0042"),
    ("clip.mkv", {"title": "Our wedding"}, "Our wedding"),
    ("Concert.1080p.WEB-DL.mkv", {}, "Concert"),
])
def test_other_videos(path: str, tags: dict[str, str], title: str) -> None:
    assert classify(path, has_video=True, tags=tags) == Naming(VIDEO, title)


def test_film_title_without_a_year_cuts_release_noise_only() -> None:
    assert film_title("Heat.2160p.UHD.BluRay") == ("Heat", None)
    assert film_title("1917") == ("1917", None)
