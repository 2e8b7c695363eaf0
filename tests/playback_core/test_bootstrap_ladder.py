"""A session's ladder decides its timeline: short segments for a ladder whose videos are all
encoded (a seek waits for one), the plain grid for one with a copied (remuxed) video, whose
keyframes sit on the source's own grid, and for sound alone, with bootstrap segments first
where they are shorter than the timeline's own (for a copied video, where its keyframes
fall on them too)."""

from __future__ import annotations

import attrs

from revenge.playback.cadence import Cadence
from revenge.playback.ladder import build_ladder
from tests.playback_core.test_ladder_session_manifest import _probe


def test_an_encoded_ladder_is_cut_every_encoded_duration() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    assert all(p.codec == "h264" for p in ladder.video)
    timeline = Cadence(segment=6.0, encoded=2.0, bootstrap=2.0).timeline(ladder)
    assert (timeline.segment, timeline.bootstrap) == (2.0, 0.0)
    assert timeline.starts[:4] == (0.0, 2.0, 4.0, 6.0)


def test_long_encoded_segments_have_bootstrap_segments() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    timeline = Cadence(segment=6.0, encoded=6.0, bootstrap=2.0).timeline(ladder)
    assert timeline.starts[:5] == (0.0, 2.0, 4.0, 6.0, 12.0)


def test_a_remuxed_ladder_has_the_plain_grid() -> None:
    ladder = build_ladder(_probe(720))
    assert ladder.video[0].codec == "copy" and ladder.copy_bootstrap == 0.0
    timeline = Cadence(segment=6.0, encoded=2.0, bootstrap=2.0).timeline(ladder)
    assert timeline.bootstrap == 0.0 and timeline.starts[:3] == (0.0, 6.0, 12.0)


def test_a_remux_has_bootstrap_segments_where_its_keyframes_are() -> None:
    probe = _probe(720)
    video = attrs.evolve(probe.streams[0], keyframes_bootstrap=2.0)
    ladder = build_ladder(attrs.evolve(probe, streams=(video, *probe.streams[1:])))
    assert ladder.video[0].codec == "copy" and ladder.copy_bootstrap == 2.0
    timeline = Cadence(segment=6.0, encoded=2.0, bootstrap=2.0).timeline(ladder)
    assert timeline.starts[:5] == (0.0, 2.0, 4.0, 6.0, 12.0)
    # Keyframes checked against another bootstrap than the one playback cuts: none.
    assert Cadence(segment=6.0, bootstrap=3.0).timeline(ladder).bootstrap == 0.0
    # Nothing copied (a lower rung only): the encoded grid, whatever the keyframes.
    low = build_ladder(attrs.evolve(probe, streams=(video, *probe.streams[1:])), remux=False)
    assert low.copy_bootstrap == 0.0


def test_music_has_long_segments_after_bootstrap_ones() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    music = type(ladder)(ladder.source, (), ladder.audio)
    timeline = Cadence(segment=6.0, encoded=2.0, bootstrap=2.0).timeline(music)
    assert timeline.starts[:5] == (0.0, 2.0, 4.0, 6.0, 12.0)


def test_a_bootstrap_that_does_not_divide_is_left_out() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    timeline = Cadence(segment=6.0, encoded=5.0, bootstrap=2.0).timeline(ladder)
    assert timeline.bootstrap == 0.0 and timeline.starts[:3] == (0.0, 5.0, 10.0)
