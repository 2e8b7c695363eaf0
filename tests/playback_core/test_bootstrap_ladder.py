"""A session's ladder decides its timeline: bootstrap segments for encoded ladders, none for
one with a copied (remuxed) video, whose keyframes sit on the source's own D grid."""

from __future__ import annotations

from revenge.playback.ladder import build_ladder
from tests.playback_core.test_ladder_session_manifest import _probe


def test_an_encoded_ladder_has_bootstrap_segments() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    assert all(p.codec == "h264" for p in ladder.video)
    assert ladder.timeline(6.0, 2.0).starts[:5] == (0.0, 2.0, 4.0, 6.0, 12.0)


def test_a_remuxed_ladder_has_none() -> None:
    ladder = build_ladder(_probe(720))
    assert ladder.video[0].codec == "copy"
    timeline = ladder.timeline(6.0, 2.0)
    assert timeline.bootstrap == 0.0 and timeline.starts[:3] == (0.0, 6.0, 12.0)


def test_music_has_bootstrap_segments() -> None:
    ladder = build_ladder(_probe(720), remux=False)
    music = type(ladder)(ladder.source, (), ladder.audio)
    assert music.timeline(6.0, 2.0).starts[:4] == (0.0, 2.0, 4.0, 6.0)
