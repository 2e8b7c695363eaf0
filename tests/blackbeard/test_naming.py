"""Segment names: one spelling per index, media and WebVTT alike."""

from __future__ import annotations

from revenge.blackbeard.naming import (
    segment_index,
    segment_name,
    subtitle_segment_index,
    subtitle_segment_name,
)


def test_every_index_has_one_name_and_nothing_else_is_one() -> None:
    for index in (0, 7, 1200):
        assert segment_index(segment_name(index)) == index
        assert subtitle_segment_index(subtitle_segment_name(index)) == index
    for name in ("007.vtt", "7.ts.vtt", "-1.vtt", "7.vtt/", "../7.vtt", "7.ts"):
        assert subtitle_segment_index(name) is None, name
    assert segment_index("7.vtt") is None
