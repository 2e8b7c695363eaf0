"""Language tags normalised to BCP 47."""

from __future__ import annotations

import pytest

from revenge.library.languages import _TO_SHORTEST, bcp47


@pytest.mark.parametrize(("tag", "expected"), [
    ("fre", "fr"), ("fra", "fr"), ("fr", "fr"), ("FRE", "fr"),
    ("ger", "de"), ("deu", "de"), ("eng", "en"), ("chi", "zh"), ("zho", "zh"),
    ("dut", "nl"), ("gre", "el"), ("wel", "cy"), ("tib", "bo"), ("cze", "cs"),
    ("per", "fa"), ("rum", "ro"), ("slo", "sk"), ("alb", "sq"), ("arm", "hy"),
    ("baq", "eu"), ("bur", "my"), ("geo", "ka"), ("ice", "is"), ("mac", "mk"),
    ("mao", "mi"), ("may", "ms"), ("jpn", "ja"), ("kor", "ko"), ("heb", "he"),
    ("iw", "he"), ("scc", "sr"), ("scr", "hr"),  # withdrawn codes
    ("haw", "haw"), ("yue", "yue"), ("fil", "fil"),  # no two-letter code: kept
    ("pt-BR", "pt-BR"), ("por-br", "pt-BR"), ("pt_br", "pt-BR"), ("es-419", "es-419"),
    ("zh-hant-tw", "zh-Hant-TW"), ("sr-latn", "sr-Latn"),
    ("und", None), ("", None), (None, None), ("  ", None), ("english", None),
    ("x1", None), ("unk", None),
])
def test_bcp47(tag: str | None, expected: str | None) -> None:
    assert bcp47(tag) == expected


def test_every_two_letter_code_maps_to_itself() -> None:
    short = set(_TO_SHORTEST.values())
    assert len(short) >= 183  # ISO 639-1 has 183 codes (184 with the withdrawn "bh")
    assert all(bcp47(code) == code for code in short)
