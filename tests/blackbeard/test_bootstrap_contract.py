"""Bootstrap segments in the contract: ``bootstrap_duration`` survives the wire, is left off
when unset (a Blackbeard that predates it takes the request), is refused by name when it
cannot cut the grid, and is taken with a copied video too."""

from __future__ import annotations

import json
from typing import Any

import m3u8
import pytest

from revenge.blackbeard.contract import ContractError, TranscodeRequest
from revenge.transcoder.playlists import media_playlist
from tests.contract import audio, request, video


def _wire(sent: TranscodeRequest) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(sent.to_json()))
    return doc


def test_a_bootstrap_survives_the_wire_and_cuts_the_timeline() -> None:
    sent = request(duration=30.0, video_profiles=(video("144p", 144, 200_000),),
                   audio_profiles=(audio(),), bootstrap_duration=2.0)
    received = TranscodeRequest.from_json(_wire(sent))
    assert received == sent and received.bootstrap_duration == 2.0
    assert received.timeline.starts == (0.0, 2.0, 4.0, 6.0, 12.0, 18.0, 24.0)
    assert received.segment_count == 7


def test_no_bootstrap_is_not_sent_and_reads_as_none() -> None:
    doc = _wire(request(video_profiles=(video("144p", 144, 200_000),)))
    assert "bootstrap_duration" not in doc
    assert TranscodeRequest.from_json(doc).bootstrap_duration == 0.0


@pytest.mark.parametrize(("value", "message"), [
    (4.0, "bootstrap_duration must divide segment_duration"),
    (-2.0, "bootstrap_duration must be"),
    ("2", "bootstrap_duration must be a number"),
    (True, "bootstrap_duration must be a number"),
])
def test_a_bootstrap_that_cannot_cut_the_grid_is_refused_by_name(value: Any,
                                                                  message: str) -> None:
    doc = _wire(request(video_profiles=(video("144p", 144, 200_000),)))
    doc["bootstrap_duration"] = value
    with pytest.raises(ContractError, match=message):
        TranscodeRequest.from_json(doc)


def test_a_copied_video_takes_a_bootstrap_too() -> None:
    # Revenge sends one only for a source whose keyframes its probe found on the short cuts.
    sent = request(duration=30.0, video_profiles=(video("source", 240, 800_000, codec="copy"),),
                   bootstrap_duration=2.0)
    received = TranscodeRequest.from_json(_wire(sent))
    assert received == sent
    assert received.timeline.starts[:4] == (0.0, 2.0, 4.0, 6.0)


def test_the_media_playlists_say_the_short_segments() -> None:
    sent = request(duration=30.0, video_profiles=(video("144p", 144, 200_000),),
                   audio_profiles=(audio(),), bootstrap_duration=2.0)
    for rendition in sent.renditions:
        playlist = m3u8.loads(media_playlist(sent, rendition))
        lengths = [s.duration for s in playlist.segments]
        assert playlist.target_duration == 6
        assert [round(x) for x in lengths] == [2, 2, 2, 6, 6, 6, 6], rendition.name
        assert abs(sum(lengths) - 30.0) < 0.05
