"""Several H.264 profiles of one transcode wanted at once are made by one ffmpeg that decodes
the source once (real ffmpeg over loopback HTTP): what it makes plays as each profile's own
run would, and a profile left alone, or far from the others, gets an ffmpeg of its own."""

from __future__ import annotations

from pathlib import Path

import m3u8
import pytest
import pytest_twisted
from twisted.internet.defer import Deferred, gatherResults

from revenge.transcoder import Pacing
from revenge.transcoder.transcode import Transcode
from tests.media import media_duration
from tests.transcoder.conftest import P144, Blackbeard, Source, start_blackbeard
from tests.transcoder.test_http import eventually, get

pytestmark = pytest.mark.slow

P120 = {"name": "120p", "width": 160, "height": 120, "bitrate": 100_000}


def _transcode(blackbeard: Blackbeard, tid: str) -> Transcode:
    return blackbeard.service.transcoder.transcodes[tid]


@pytest_twisted.ensureDeferred
async def test_two_profiles_asked_at_once_share_one_ffmpeg(
    blackbeard: Blackbeard, tmp_path: Path
) -> None:
    tid = await blackbeard.create(video=[P144, P120])
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
    first = await gatherResults([Deferred.fromCoroutine(get(f"{base}/{name}/0.ts"))
                                 for name in ("144p", "120p")])
    assert [code for code, _ in first] == [200, 200]
    transcode = _transcode(blackbeard, tid)
    (encoder,) = transcode.encoders  # one process for both
    assert set(encoder.outputs) == {"144p", "120p"}
    assert all(state.encoder is encoder for state in transcode.profiles.values())
    for name in ("144p", "120p"):
        code, text = await get(f"{base}/{name}/index.m3u8")
        local = tmp_path / name
        local.mkdir()
        (local / "index.m3u8").write_bytes(text)
        for index in range(len(m3u8.loads(text.decode()).segments)):
            code, body = await get(f"{base}/{name}/{index}.ts")
            assert code == 200 and body[:1] == b"\x47", (name, index, body[:200])
            (local / f"{index}.ts").write_bytes(body)
        decoded = media_duration(str(local / "index.m3u8"))
        assert abs(decoded - 30.0) <= 0.1, (name, decoded)
    assert len(blackbeard.service.transcoder.encoders) <= 1


@pytest_twisted.ensureDeferred
async def test_a_profile_far_from_the_other_gets_its_own_ffmpeg_and_a_seek_joins_them(
    source: Source, tmp_path: Path
) -> None:
    # A lookahead of one: each run pauses just past what was asked, where the test says.
    blackbeard = await start_blackbeard(source, tmp_path / "work", pacing=Pacing(lookahead=1))
    try:
        await _far_then_joined(blackbeard)
    finally:
        await blackbeard.service.stopService()


async def _far_then_joined(blackbeard: Blackbeard) -> None:
    tid = await blackbeard.create(video=[P144, P120])
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
    assert (await get(f"{base}/144p/0.ts"))[0] == 200
    transcode = _transcode(blackbeard, tid)
    (alone,) = transcode.encoders
    # 120p is wanted 12 segments further on: a decode from 0 would be wasted on it.
    assert (await get(f"{base}/120p/12.ts"))[0] == 200
    assert len(transcode.encoders) == 2 and alone in transcode.encoders
    # 144p seeks to where 120p is being made: one run makes both from there.
    assert (await get(f"{base}/144p/13.ts"))[0] == 200
    await eventually(lambda: len(transcode.encoders) == 1)
    (joint,) = transcode.encoders
    assert set(joint.outputs) == {"144p", "120p"} and alone.stopping
    assert joint.outputs["144p"].start == 13 and 12 <= joint.outputs["120p"].start <= 15


@pytest_twisted.ensureDeferred
async def test_a_profile_nobody_asks_for_leaves_the_shared_run(
    source: Source, tmp_path: Path
) -> None:
    blackbeard = await start_blackbeard(source, tmp_path / "work",
                                        pacing=Pacing(idle_segments=0.5))
    try:
        tid = await blackbeard.create(video=[P144, P120])
        base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
        await gatherResults([Deferred.fromCoroutine(get(f"{base}/{name}/0.ts"))
                             for name in ("144p", "120p")])
        transcode = _transcode(blackbeard, tid)
        await eventually(lambda: transcode.profiles["120p"].encoder is None)
        # 144p goes on (or resumes) in a run of its own.
        status = (await get(f"{base}/144p/14.ts"))[0]
        assert status == 200
        assert all(set(e.outputs) == {"144p"} for e in transcode.encoders)
    finally:
        await blackbeard.service.stopService()
