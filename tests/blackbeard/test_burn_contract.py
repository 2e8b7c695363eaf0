"""The contract of burning a picture subtitle into a video rendition: the source lists the
tracks that may be burned, a profile names one, and a request that cannot be drawn is
refused with the field's name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from revenge.blackbeard.contract import ContractError, TranscodeRequest
from revenge.blackbeard.source import SourceSubtitle
from tests.contract import request, video


def _wire(sent: TranscodeRequest) -> dict[str, Any]:
    """``sent`` as its JSON document arrives."""
    doc: dict[str, Any] = json.loads(json.dumps(sent.to_json()))
    return doc


def _document(**profile: Any) -> dict[str, Any]:
    """A request's JSON: a 20 s source with PGS track 3, one 144p profile with ``profile``."""
    doc = _wire(request(video_profiles=(video("144p", 144, 200_000, burn=3),),
                        subtitles=(3,)))
    doc["video"][0].update(profile)
    return doc


def test_a_burn_survives_the_wire() -> None:
    sent = request(video_profiles=(video("144p", 144, 200_000, burn=3),
                                   video("360p", 360, 800_000)), subtitles=(3, 5))
    received = TranscodeRequest.from_json(_wire(sent))
    assert received == sent
    assert [p.burn_subtitle for p in received.video] == [3, None]
    assert received.source.subtitles == (SourceSubtitle(index=3, codec="hdmv_pgs_subtitle"),
                                         SourceSubtitle(index=5, codec="hdmv_pgs_subtitle"))


def test_a_source_without_subtitles_says_so_as_before() -> None:
    doc = _wire(request(video_profiles=(video("144p", 144, 200_000),)))
    del doc["source"]["subtitles"], doc["video"][0]["burn_subtitle"]
    received = TranscodeRequest.from_json(doc)
    assert received.source.subtitles == () and received.video[0].burn_subtitle is None


@pytest.mark.parametrize(("profile", "message"), [
    ({"burn_subtitle": 4}, "video[0].burn_subtitle names no subtitle track"),
    ({"burn_subtitle": 1}, "video[0].burn_subtitle names no subtitle track"),  # audio
    ({"burn_subtitle": "3"}, "video[0].burn_subtitle must be an integer"),
    ({"burn_subtitle": -1}, "video[0].burn_subtitle must be an integer"),
    ({"burn_subtitle": True}, "video[0].burn_subtitle must be an integer"),
    ({"codec": "copy"}, "video[0].burn_subtitle needs an encoded video"),
])
def test_a_burn_that_cannot_be_drawn_is_refused_by_name(
    profile: dict[str, Any], message: str
) -> None:
    with pytest.raises(ContractError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TranscodeRequest.from_json(_document(**profile))


@pytest.mark.parametrize(("track", "message"), [
    ({"index": -1, "codec": "hdmv_pgs_subtitle"}, "source.subtitles[0].index"),
    ({"index": 3}, "missing field source.subtitles[0].codec"),
    ({"index": 3, "codec": 7}, "source.subtitles[0].codec must be a string"),
])
def test_a_bad_subtitle_track_of_the_source_is_refused_by_name(
    track: dict[str, Any], message: str
) -> None:
    doc = _document()
    doc["source"]["subtitles"] = [track]
    with pytest.raises(ContractError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TranscodeRequest.from_json(doc)
