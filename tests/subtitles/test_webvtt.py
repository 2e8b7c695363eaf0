"""Reading WebVTT as ffmpeg and people write it, and writing it whole and as HLS segments."""

from __future__ import annotations

import pytest

from revenge.subtitles.webvtt import (
    Cue,
    escape_payload,
    parse_webvtt,
    segment_webvtt,
    timestamp,
    whole_webvtt,
)

FFMPEG = """WEBVTT

00:01.000 --> 00:02.500
Hello <i>world</i> & you

00:07.000 --> 00:09.000
Second line
two lines

01:00:07.000 --> 01:00:09.250
Late 1 < 2 --> x
"""


def test_ffmpeg_output_is_read_and_its_text_made_valid() -> None:
    assert parse_webvtt(FFMPEG) == (
        Cue(1.0, 2.5, "Hello <i>world</i> &amp; you"),
        Cue(7.0, 9.0, "Second line\ntwo lines"),
        Cue(3607.0, 3609.25, "Late 1 &lt; 2 --&gt; x"),
    )


def test_what_real_files_hold_is_forgiven() -> None:
    text = ("\ufeffWEBVTT - a title\r\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\r\n\r\n"
            "NOTE a comment\r\nover two lines\r\n\r\n"
            "STYLE\r\n::cue { color: yellow }\r\n\r\n"
            "REGION\r\nid:fred width:40%\r\n\r\n"
            "cue-7\r\n00:00:10.5 --> 00:00:12.000 align:start line:0%\r\n<b>Bold</b>\r\n\r\n"
            "1\r\n00:00:03,000 --> 00:00:04,000\r\nSubRip's comma\r\n\r\n"
            "00:05.000 --> 00:06.000\r\n\r\n"  # no text: left out
            "00:09.000 --> 00:08.000\r\nends before it starts\r\n\r\n"
            "not a cue at all\r\n\r\n"
            "00:01.000 --> 00:02.000\rold Mac line ends\r")
    assert parse_webvtt(text) == (
        Cue(1.0, 2.0, "old Mac line ends"),
        Cue(3.0, 4.0, "SubRip's comma"),
        Cue(10.5, 12.0, "<b>Bold</b>", "align:start line:0%"),
    )


def test_cue_text_escaping_keeps_tags_and_references() -> None:
    kept = ("<i>a</i> <b>b</b> <u>u</u> <c.yellow.bg_blue>c</c> <v Roger>v</v> "
            "<lang en-GB>l</lang> <ruby>r<rt>t</rt></ruby> <00:00:01.500>k "
            "&amp; &lt; &gt; &nbsp; &lrm; &rlm; &#233; &#x1F600;")
    assert escape_payload(kept) == kept
    assert escape_payload("a & b <br> <script>x</script> &bogus; <3 >") == (
        "a &amp; b &lt;br&gt; &lt;script&gt;x&lt;/script&gt; &amp;bogus; &lt;3 &gt;")


def test_timestamps_always_carry_hours() -> None:
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3725.0456) == "01:02:05.046"
    assert timestamp(-0.2) == "00:00:00.000"
    assert timestamp(100 * 3600) == "100:00:00.000"


CUES = (Cue(1.0, 2.0, "a"), Cue(5.5, 6.5, "across the boundary"), Cue(6.0, 6.0, "instant"),
        Cue(7.0, 20.0, "long", "line:0"), Cue(12.0, 13.0, "b"))


@pytest.mark.parametrize(("start", "end", "texts"), [
    (0.0, 6.0, ["a", "across the boundary"]),
    (6.0, 12.0, ["across the boundary", "instant", "long"]),
    (12.0, 18.0, ["long", "b"]),
    (18.0, 24.0, ["long"]),
    (24.0, 30.0, []),
])
def test_a_segment_holds_every_cue_overlapping_it_at_absolute_times(
        start: float, end: float, texts: list[str]) -> None:
    text = segment_webvtt(CUES, start, end, mpegts=126000)
    assert text.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n")
    assert [c.text for c in parse_webvtt(text)] == texts
    assert all(c in CUES for c in parse_webvtt(text))


def test_a_segment_for_fmp4_maps_to_zero() -> None:
    assert "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000" in segment_webvtt(CUES, 0, 6, mpegts=0)


def test_the_whole_track_is_plain_webvtt_that_reads_back_the_same() -> None:
    text = whole_webvtt(CUES)
    assert text.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\n\n")
    assert "X-TIMESTAMP-MAP" not in text
    assert "00:00:07.000 --> 00:00:20.000 line:0\nlong\n" in text
    assert parse_webvtt(text) == tuple(sorted(CUES, key=lambda c: (c.start, c.end)))
    assert whole_webvtt(()) == "WEBVTT\n\n"
