"""The default extensions take in every common media format and leave sidecars out."""

from __future__ import annotations

import tomllib
from pathlib import Path

from revenge.config.model import LibraryConfig
from revenge.library.scan import walk_roots

MEDIA = [".mp4", ".mkv", ".vob", ".m2ts", ".mts", ".m2t", ".3gp", ".3g2", ".ogv", ".oga",
         ".wma", ".asf", ".mka", ".divx", ".f4v", ".rm", ".rmvb", ".m4b", ".aiff", ".aif",
         ".ac3", ".dts", ".mp2", ".ape", ".wv", ".dv", ".mxf", ".ts", ".webm", ".flac",
         ".opus"]
SIDECARS = [".srt", ".ass", ".vtt", ".sub", ".idx", ".nfo", ".jpg", ".png", ".txt"]
SHIPPED = Path(__file__).resolve().parents[2] / "etc" / "revenge.toml"


def test_defaults_cover_media_and_not_sidecars(tmp_path: Path) -> None:
    extensions = LibraryConfig().extensions
    for suffix in [*MEDIA, *SIDECARS]:
        (tmp_path / f"film{suffix}").write_bytes(b"x")
    (tmp_path / "LOUD.M2TS").write_bytes(b"x")
    found = {Path(f.path).name for f in walk_roots([str(tmp_path)], extensions)}
    assert found == {f"film{s}" for s in MEDIA} | {"LOUD.M2TS"}


def test_the_shipped_config_lists_the_same_extensions() -> None:
    shipped = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert tuple(shipped["library"]["extensions"]) == LibraryConfig().extensions
