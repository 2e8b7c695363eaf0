"""The whole contract against an in-memory Blackbeard: start → status → playlists → segment
→ delete, and the client's place behind ``ITranscoder``."""

from __future__ import annotations

import random

from twisted.internet.task import Clock
from zope.interface.verify import verifyObject

from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.interface import ITranscoder, TranscodeNotFound, TranscoderError
from tests.blackbeard.fake_blackbeard import FakeBlackbeard
from tests.blackbeard.outcomes import failure_of, result_of, sample
from tests.blackbeard.scripted import in_memory
from tests.contract import request, video

REQUEST = request(
    duration=20.0, video_profiles=(video("p360", 360, 800_000), video("p720", 720, 2_500_000)),
    headers={"X-Revenge-Internal-Token": "secret"}, segment_duration=6.0, start_segment=1)


def test_the_client_provides_itranscoder() -> None:
    client = BlackbeardClient(base_url="http://127.0.0.1:1", reactor=Clock(),
                              rng=random.Random(0))
    assert verifyObject(ITranscoder, client)
    assert client.healthy
    result_of(client.close())


def test_start_status_playlists_segment_delete() -> None:
    ok = sample("revenge_blackbeard_client_requests_total", operation="segment", outcome="ok")
    fake = FakeBlackbeard()
    client = in_memory(fake).client
    assert result_of(client.health()) is True

    transcode_id = result_of(client.start(REQUEST))
    assert fake.transcodes[transcode_id] == REQUEST  # the body survived the round trip

    status = result_of(client.status(transcode_id))
    assert (status.id, status.state, status.segment_count) == (transcode_id, "finished", 4)
    assert status.last_segment == {"p360": 3, "p720": 3}

    assert result_of(client.master_playlist(transcode_id)).splitlines()[1:] == [
        b"p360/index.m3u8", b"p720/index.m3u8"]
    assert b"#EXT-X-ENDLIST" in result_of(client.media_playlist(transcode_id, "p720"))
    assert result_of(client.segment(transcode_id, "p720", "3.ts")) == b"p720/3"
    assert sample("revenge_blackbeard_client_requests_total", operation="segment",
                  outcome="ok") == ok + 1

    assert result_of(client.delete(transcode_id)) is None
    assert fake.deleted == [transcode_id]
    assert isinstance(failure_of(client.status(transcode_id)), TranscodeNotFound)
    assert result_of(client.delete(transcode_id)) is None  # deleting twice is fine


def test_a_request_blackbeard_rejects_is_a_400_with_its_message() -> None:
    fake = FakeBlackbeard()
    client = in_memory(fake).client
    bad = request(source_url="ftp://nowhere/x", duration=10.0)
    e = failure_of(client.start(bad))
    assert type(e) is TranscoderError
    assert (e.status, e.code) == (400, "bad_request")
    assert "source_url" in str(e)
    assert fake.transcodes == {}


def test_a_segment_past_the_end_is_not_found_but_not_a_lost_transcode() -> None:
    fake = FakeBlackbeard()
    client = in_memory(fake).client
    transcode_id = result_of(client.start(REQUEST))
    e = failure_of(client.segment(transcode_id, "p360", "4.ts"))
    assert type(e) is TranscoderError and (e.status, e.code) == (404, "segment_not_found")
