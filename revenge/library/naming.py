"""What a media file is, told from its path below the media root and its tags: a film
(``Title (Year)``), an episode of a series (``S01E02``, ``1x02``, a ``Season 1`` folder), a
music track (artist, album and number from tags, else from folders), or some other video.

Names are how people and download tools name files, so the parser forgives: dots and
underscores for spaces, release noise after the year (``1080p.BluRay.x264``), brackets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs

FILM, EPISODE, MUSIC, VIDEO = "film", "episode", "music", "video"
CATEGORIES = (FILM, EPISODE, MUSIC, VIDEO)

_YEAR = r"(?:19|20)\d\d"
# S01E02, s1e2, S01.E02, S01E02E03 (the first number counts), and 1x02.
_EPISODE = re.compile(
    r"(?<![a-z0-9])(?:s(?P<s>\d{1,3})[ ._-]?e(?P<e>\d{1,4})|(?P<s2>\d{1,2})x(?P<e2>\d{1,3}))"
    r"(?:[ ._-]?e\d{1,4})*(?![0-9])", re.IGNORECASE)
_SEASON_DIR = re.compile(r"^(?:season|series|saison|staffel|temporada|s)[ ._-]*(\d{1,3})$",
                         re.IGNORECASE)
_SPECIALS_DIR = re.compile(r"^specials?$", re.IGNORECASE)
# "Episode 3", "Ep. 03", "E03" alone, or a bare leading number inside a season folder.
_LONE_EPISODE = re.compile(r"^(?:(?:episode|ep)[ ._-]*|e)?(\d{1,3})(?![0-9])", re.IGNORECASE)
_TITLE_YEAR = re.compile(rf"^(?P<title>.+?)[ ._]*[(\[]?(?P<year>{_YEAR})[)\]]?(?![0-9])")
# Where release noise begins when there is no year: resolution, source or codec words.
_NOISE = re.compile(
    r"[ ._-](?:2160p|1080[pi]|720p|576p|480p|4k|uhd|hdr|bluray|blu-ray|bdrip|brrip|web-?dl|"
    r"webrip|hdtv|dvdrip|x264|x265|h\.?264|h\.?265|hevc|xvid|remux|proper|repack)(?![a-z])",
    re.IGNORECASE)
_TRACK = re.compile(r"^(?:(?P<disc>\d)[-.](?=\d\d))?(?P<track>\d{1,3})(?:[ ._-]+|$)")
_BRACKETED = re.compile(r"\[[^\]]*\]|\{[^}]*\}")


@attrs.frozen
class Naming:
    """What a file is in the library; fields that do not apply to its category are None."""

    category: str  # film | episode | music | video
    title: str
    year: int | None = None
    series: str | None = None
    season: int | None = None
    episode: int | None = None
    artist: str | None = None
    album: str | None = None
    track: int | None = None
    disc: int | None = None


def tidy(name: str) -> str:
    """A name as people write it: separators to spaces, bracketed tags gone, trimmed."""
    name = _BRACKETED.sub(" ", name)
    # Dots separate words only in names without spaces ("Mr. Robot" keeps its dot).
    name = re.sub(r"[._]", " ", name) if " " not in name.strip() else name.replace("_", " ")
    return re.sub(r"\s+", " ", name).strip(" -.")


def film_title(stem: str) -> tuple[str, int | None]:
    """``The.Matrix.1999.1080p.BluRay`` → (``The Matrix``, 1999); no year, no noise cut."""
    match = _TITLE_YEAR.match(stem)
    if match and tidy(match["title"]):
        return tidy(match["title"]), int(match["year"])
    noise = _NOISE.search(stem)
    return tidy(stem[: noise.start()] if noise and noise.start() else stem), None


def _without_noise(name: str) -> str:
    """What is left of a name once release noise (``720p.HDTV.x264``) is cut off."""
    noise = _NOISE.search(" " + name)
    return tidy(name[: max(noise.start() - 1, 0)] if noise else name)


def _number(value: str | None) -> int | None:
    """``3``, ``03`` or ``3/12`` (a track tag) as 3."""
    match = re.match(r"\s*(\d+)", value or "")
    return int(match[1]) if match else None


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name[1:] else name


def _episode(parts: Sequence[str], stem: str, tags: Mapping[str, str]) -> Naming | None:
    folders = list(parts[:-1])
    season_index = next((i for i in range(len(folders) - 1, -1, -1)
                         if _SEASON_DIR.match(folders[i]) or _SPECIALS_DIR.match(folders[i])),
                        None)
    match = _EPISODE.search(stem)
    if match:
        season = int(match["s"] or match["s2"])
        episode = int(match["e"] or match["e2"])
        before = tidy(stem[: match.start()])
        after = _without_noise(stem[match.end():])
    elif season_index is not None and (lone := _LONE_EPISODE.match(tidy(stem))):
        season_name = folders[season_index]
        season_match = _SEASON_DIR.match(season_name)
        season = int(season_match[1]) if season_match else 0
        episode = int(lone[1])
        before, after = "", _without_noise(tidy(stem)[lone.end():])
    else:
        return None
    show_folders = folders[:season_index] if season_index is not None else folders
    series = tidy(show_folders[-1]) if show_folders else before
    if not series:
        series = before or tidy(stem)
    series_title, year = film_title(series)
    title = tags.get("title") or after or f"Episode {episode}"
    return Naming(EPISODE, title, year=year, series=series_title, season=season,
                  episode=episode)


def _music(parts: Sequence[str], stem: str, tags: Mapping[str, str]) -> Naming:
    folders = [tidy(p) for p in parts[:-1]]
    album_folder = film_title(folders[-1])[0] if folders else None
    artist_folder = folders[-2] if len(folders) >= 2 else None
    numbered = _TRACK.match(stem)
    title = tags.get("title") or tidy(stem[numbered.end():] if numbered else stem) or stem
    artist = tags.get("album_artist") or tags.get("artist") or artist_folder
    if artist and " - " in title and not tags.get("title"):
        # "Artist - Title.mp3" in a flat folder
        head, rest = title.split(" - ", 1)
        if head.casefold() == artist.casefold():
            title = rest
    return Naming(MUSIC, title, year=_number(tags.get("date")), artist=artist,
                  album=tags.get("album") or album_folder,
                  track=_number(tags.get("track")) or (int(numbered["track"]) if numbered
                                                       else None),
                  disc=_number(tags.get("disc")) or (int(numbered["disc"]) if numbered
                                                     and numbered["disc"] else None))


def classify(relative_path: str, *, has_video: bool, tags: Mapping[str, str]) -> Naming:
    """What the file at ``relative_path`` (below its media root) is; ``tags`` are its
    container's (a ``title`` tag names an episode, a song or a video, never a film, whose
    container title is as often a release name)."""
    parts = [p for p in relative_path.split("/") if p]
    stem = _stem(parts[-1] if parts else relative_path)
    if not has_video:
        return _music(parts, stem, tags)
    episode = _episode(parts, stem, tags)
    if episode is not None:
        return episode
    title, year = film_title(stem)
    if year is None and len(parts) >= 2:
        # "Film (2009)/film.mkv": the folder names the film
        folder_title, folder_year = film_title(parts[-2])
        if folder_year is not None:
            return Naming(FILM, folder_title, year=folder_year)
    if year is not None:
        return Naming(FILM, title, year=year)
    return Naming(VIDEO, tags.get("title") or title or stem)
