"""Sidecar file names: which video a subtitle file belongs to, and what its name says."""

from __future__ import annotations

import pytest

from revenge.subtitles.sidecars import SidecarName, match_sidecars, parse_sidecar_name

NAMES = [
    ("Name.srt", SidecarName(codec="subrip")),
    ("Name.en.srt", SidecarName(codec="subrip", language="en")),
    ("Name.fr.forced.srt", SidecarName(codec="subrip", language="fr", forced=True)),
    ("Name.sdh.en.vtt", SidecarName(codec="webvtt", language="en", hearing_impaired=True)),
    ("Name.English.srt", SidecarName(codec="subrip", language="en")),
    ("Name.pt-BR.srt", SidecarName(codec="subrip", language="pt-BR")),
    ("Name.pt_br.srt", SidecarName(codec="subrip", language="pt-BR")),
    ("Name.eng.cc.srt", SidecarName(codec="subrip", language="en", hearing_impaired=True)),
    ("Name.ger.ass", SidecarName(codec="ass", language="de")),
    ("Name.de.ass", SidecarName(codec="ass", language="de")),
    ("Name.Deutsch.ssa", SidecarName(codec="ass", language="de")),
    ("Name.FRE.Forced.SRT", SidecarName(codec="subrip", language="fr", forced=True)),
    ("Name.en.default.srt", SidecarName(codec="subrip", language="en", default=True)),
    ("Name.Director's Commentary.en.srt",
     SidecarName(codec="subrip", language="en", title="Director's Commentary")),
    ("Name.2.srt", SidecarName(codec="subrip", title="2")),
    ("Name.hi.srt", SidecarName(codec="subrip", language="hi")),
    ("Name.en.hi.srt", SidecarName(codec="subrip", language="en", hearing_impaired=True)),
    ("Name.xyz.srt", SidecarName(codec="subrip", title="xyz")),
    ("Name.Signs and Songs.srt", SidecarName(codec="subrip", title="Signs and Songs")),
    ("Name.ja.srt", SidecarName(codec="subrip", language="ja")),
    ("Name.zh-Hant.srt", SidecarName(codec="subrip", language="zh-Hant")),
]


@pytest.mark.parametrize(("name", "expected"), NAMES, ids=[n for n, _ in NAMES])
def test_a_sidecar_name_says_language_flags_and_title(name: str, expected: SidecarName) -> None:
    assert parse_sidecar_name("/films/Name.mkv", f"/films/{name}") == expected


def test_ger_and_de_are_one_language() -> None:
    assert (parse_sidecar_name("A.mkv", "A.ger.srt").language
            == parse_sidecar_name("A.mkv", "A.deu.srt").language
            == parse_sidecar_name("A.mkv", "A.German.srt").language == "de")


def test_sidecars_belong_to_the_video_whose_name_they_start_with() -> None:
    media = ["Film.mkv", "Film.mp4", "Film.2.mkv", "Other.mkv", "Filmography.mkv"]
    files = ["Film.en.srt", "Film.2.en.srt", "film.FR.srt", "Filmography.srt", "Film.mkv.srt",
             "Other.srt.bak", "Other.txt", "Unrelated.srt", "Film.srt"]
    assert match_sidecars(media, files) == {
        # Film.mkv.srt starts with "Film.": it is Film's (its title: "mkv").
        "Film.mkv": ("Film.en.srt", "Film.mkv.srt", "Film.srt", "film.FR.srt"),
        "Film.mp4": ("Film.en.srt", "Film.mkv.srt", "Film.srt", "film.FR.srt"),
        "Film.2.mkv": ("Film.2.en.srt",),
        "Filmography.mkv": ("Filmography.srt",),
    }
