"""``revenge.testing.FakeTranscoder``: the interface, the contract's playlists for what was
asked, segments at once or by hand, and failures on demand."""

from __future__ import annotations

import m3u8
import pytest
from zope.interface.verify import verifyObject

from revenge.blackbeard.contract import TranscodeRequest
from revenge.blackbeard.interface import (
    ITranscoder,
    MediaFailed,
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)
from revenge.playback.ladder import build_ladder
from revenge.testing import FakeTranscoder, segment_body
from revenge.testing.media import video_record
from tests.fired import failure_of, result_of

FILM = video_record("Film", duration=20.0, languages=("en", "de"))


def _request(source_url: str = "http://revenge.test/internal/stream/film") -> TranscodeRequest:
    ladder = build_ladder(FILM.probe)
    return TranscodeRequest(source_url=source_url, source=ladder.source, video=ladder.video,
                            audio=ladder.audio, segment_duration=6.0)


@pytest.mark.parametrize("immediate", [True, False])
def test_it_provides_the_interface(immediate: bool) -> None:
    assert verifyObject(ITranscoder, FakeTranscoder(immediate=immediate))


def test_playlists_are_the_contracts_for_the_renditions_asked_for() -> None:
    fake = FakeTranscoder()
    request = _request()
    transcode_id = result_of(fake.start(request))
    assert transcode_id == "t1" and fake.started == [request]
    master = m3u8.loads(result_of(fake.master_playlist("t1")).decode())
    assert [v.uri for v in master.playlists] == [f"{p.name}/index.m3u8" for p in request.video]
    assert [(m.language, m.uri) for m in master.media] == [
        ("en", "audio-0/index.m3u8"), ("de", "audio-1/index.m3u8")]
    for rendition in request.renditions:
        text = result_of(fake.media_playlist("t1", rendition.name))
        playlist = m3u8.loads(text.decode())
        assert playlist.playlist_type == "vod" and playlist.is_endlist
        assert [s.uri for s in playlist.segments] == ["0.ts", "1.ts", "2.ts", "3.ts"]
    missing = failure_of(fake.media_playlist("t1", "8k"))
    assert isinstance(missing, TranscoderError) and missing.status == 404
    assert isinstance(failure_of(fake.master_playlist("t9")), TranscodeNotFound)


def test_status_follows_the_segments_served_and_delete_forgets() -> None:
    fake = FakeTranscoder()
    fake.start(_request())
    for name in ("0.ts", "1.ts"):
        fake.segment("t1", "source", name)
    status = result_of(fake.status("t1"))
    assert status.last_segment == {
        "source": 1, "144p": -1, "audio-0": -1, "audio-1": -1}
    assert status.segment_count == 4
    fake.delete("t1")
    assert fake.deleted == ["t1"] and fake.transcodes == {}
    assert isinstance(failure_of(fake.status("t1")), TranscodeNotFound)


def test_segments_at_once_or_by_hand() -> None:
    assert result_of(FakeTranscoder().segment("t", "p", "3.ts")) == segment_body("p", "3.ts")
    fake = FakeTranscoder(immediate=False)
    first, second = fake.segment("t", "p", "0.ts"), fake.segment("t", "p", "0.ts")
    other = fake.segment("t", "p", "1.ts")
    assert fake.pending() == [("p", "0.ts"), ("p", "0.ts"), ("p", "1.ts")]
    fake.answer("p", "0.ts", b"made")
    assert (result_of(first), second.called) == (b"made", False)
    fake.fail("p", "0.ts")
    failed = failure_of(second)
    assert isinstance(failed, TranscoderError) and failed.status == 500
    fake.fail("p", "1.ts", TranscoderUnavailable("refused"))
    assert isinstance(failure_of(other), TranscoderUnavailable)
    assert fake.pending() == []
    with pytest.raises(LookupError):
        fake.answer("p", "1.ts")
    assert fake.calls == [("t", "p", "0.ts"), ("t", "p", "0.ts"), ("t", "p", "1.ts")]


def test_standing_failures_match_only_what_they_name() -> None:
    fake = FakeTranscoder()
    broken, fine = "http://x/internal/stream/broken", "http://x/internal/stream/fine"
    fake.start(_request(broken))
    fake.start(_request(fine))
    fake.fail_segments(MediaFailed("truncated"), source_url=broken)
    fake.fail_segments(TranscoderError("just this one", status=500), profile="144p",
                       name="2.ts")
    assert isinstance(failure_of(fake.segment("t1", "source", "0.ts")), MediaFailed)
    assert result_of(fake.segment("t2", "source", "0.ts")) == segment_body("source", "0.ts")
    assert isinstance(failure_of(fake.segment("t2", "144p", "2.ts")), TranscoderError)
    assert result_of(fake.segment("t2", "144p", "3.ts")) == segment_body("144p", "3.ts")
    fake.fail_starts(TranscoderUnavailable("down"), source_url=fine)
    assert isinstance(failure_of(fake.start(_request(fine))), TranscoderUnavailable)
    assert result_of(fake.start(_request(broken))) == "t4"
    fake.clear_failures()
    assert result_of(fake.segment("t1", "source", "0.ts")) == segment_body("source", "0.ts")
    assert result_of(fake.start(_request(fine))) == "t5"


def test_health_follows_healthy() -> None:
    fake = FakeTranscoder()
    assert result_of(fake.health()) is True
    fake.healthy = False
    assert result_of(fake.health()) is False
