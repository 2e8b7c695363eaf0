"""The transcoder over real HTTP with real ffmpeg, reading the 30 s clip over loopback HTTP
(Range requests, token header) as it reads Revenge's ``/internal/stream`` in production."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import m3u8
import pytest
import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.task import deferLater

from revenge.blackbeard.contract import VideoProfile
from revenge.transcoder import Pacing
from tests.loopback import stop_listening
from tests.media import make_clip, media_duration
from tests.transcoder.conftest import (
    AUDIO,
    P144,
    P240_COPY,
    Blackbeard,
    Source,
    clip_source,
    serve,
    start_blackbeard,
)

pytestmark = pytest.mark.slow


async def get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET."""
    response = await treq.get(url)
    return response.code, await response.content()


async def eventually(condition: object, *, within: float = 15.0) -> None:
    """Poll ``condition()`` every 50 ms until it is true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {within} s: {condition}")
        await deferLater(reactor, 0.05, lambda: None)


def segment_files(root: Path) -> set[str]:
    """Names of the segment files anywhere under ``root``."""
    return {p.name for p in root.rglob("*.ts")}


@pytest_twisted.ensureDeferred
async def test_every_segment_of_every_rendition_decodes_to_the_source_duration(
    blackbeard: Blackbeard, tmp_path: Path
) -> None:
    tid = await blackbeard.create(video=[P240_COPY, P144], audio=[AUDIO])
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
    response = await treq.get(f"{base}/master.m3u8")
    assert response.headers.getRawHeaders("Content-Type") == ["application/vnd.apple.mpegurl"]
    master = m3u8.loads((await response.content()).decode())
    assert [p.uri for p in master.playlists] == ["240p/index.m3u8", "144p/index.m3u8"]
    info = master.playlists[1].stream_info
    assert info.resolution == (192, 144) and info.audio == "aac"
    assert info.codecs == "avc1.64001e,mp4a.40.2"  # High at level 3.0, as libx264 is told
    assert master.playlists[0].stream_info.codecs.startswith("avc1.f4000d")  # the source's
    (track,) = master.media
    assert (track.type, track.uri, track.default, track.channels) == (
        "AUDIO", "audio-0/index.m3u8", "YES", "2")
    for profile in ("240p", "144p", "audio-0"):
        code, text = await get(f"{base}/{profile}/index.m3u8")
        playlist = m3u8.loads(text.decode())
        assert code == 200 and playlist.is_endlist and playlist.playlist_type == "vod"
        assert playlist.target_duration == 2
        assert [s.uri for s in playlist.segments] == [f"{i}.ts" for i in range(15)]
        assert abs(sum(s.duration for s in playlist.segments) - 30.0) < 0.03
        local = tmp_path / profile
        local.mkdir()
        for index in range(15):
            code, body = await get(f"{base}/{profile}/{index}.ts")
            assert code == 200, body
            assert body[:1] == b"\x47"  # an MPEG-TS sync byte
            (local / f"{index}.ts").write_bytes(body)
        (local / "index.m3u8").write_text(text.decode())
        decoded = media_duration(str(local / "index.m3u8"))
        assert abs(decoded - 30.0) <= 0.1, (profile, decoded)
    assert blackbeard.source.resource.ranged > 0  # ffmpeg read the source with Range
    status = (await (await treq.get(base)).json())
    assert status["last_segment"] == {"240p": 14, "144p": 14, "audio-0": 14}
    assert status["state"] == "finished"


@pytest_twisted.ensureDeferred
async def test_the_first_segment_asked_for_is_3_and_0_to_2_are_never_made(
    blackbeard: Blackbeard, tmp_path: Path
) -> None:
    tid = await blackbeard.create(video=[P144])
    code, body = await get(f"{blackbeard.url}/api/v1/transcodes/{tid}/144p/3.ts")
    assert code == 200
    made = segment_files(blackbeard.work_dir)
    assert "3.ts" in made and not made & {"0.ts", "1.ts", "2.ts"}
    # The seeked segment carries the media's own timeline: 3 x 2 s in.
    (tmp_path / "3.ts").write_bytes(body)
    assert 1.5 <= media_duration(str(tmp_path / "3.ts")) <= 2.5


@pytest_twisted.ensureDeferred
async def test_a_killed_ffmpeg_is_restarted_at_the_next_segment(blackbeard: Blackbeard) -> None:
    tid = await blackbeard.create(video=[P144])
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}/144p"
    assert (await get(f"{base}/0.ts"))[0] == 200
    (encoder,) = blackbeard.service.transcoder.encoders
    pid = encoder.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: not encoder.alive)
    transcode = blackbeard.service.transcoder.transcodes[tid]
    finished = set(transcode.profiles["144p"].segments)
    missing = min(set(range(15)) - finished)
    code, _ = await get(f"{base}/{missing}.ts")
    assert code == 200
    (restarted,) = blackbeard.service.transcoder.encoders
    assert restarted.pid != pid and restarted.start == missing
    status = await (await treq.get(f"{blackbeard.url}/api/v1/transcodes/{tid}")).json()
    assert status["errors"], status  # the crash is reported


@pytest_twisted.ensureDeferred
async def test_delete_leaves_no_process_and_no_file(blackbeard: Blackbeard) -> None:
    tid = await blackbeard.create(video=[P240_COPY, P144])
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
    assert (await get(f"{base}/144p/0.ts"))[0] == 200
    assert (await get(f"{base}/240p/4.ts"))[0] == 200
    pids = [e.pid for e in blackbeard.service.transcoder.encoders]
    assert pids and (blackbeard.work_dir / tid).exists()
    response = await treq.delete(base)
    assert response.code == 204
    assert blackbeard.encoders() == 0
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not (blackbeard.work_dir / tid).exists()
    assert list(blackbeard.work_dir.iterdir()) == []
    response = await treq.get(f"{base}/144p/1.ts")
    assert response.code == 404
    assert (await response.json())["error"]["code"] == "transcode_not_found"
    assert (await treq.delete(base)).code == 404


@pytest_twisted.ensureDeferred
async def test_a_player_that_goes_quiet_leaves_a_lookahead_and_no_encoder(
    source: Source, tmp_path: Path
) -> None:
    # 1 s segments: 30 of them, so a runaway encoder would show.
    blackbeard = await start_blackbeard(source, tmp_path / "work",
                                        pacing=Pacing(lookahead=8, idle_segments=3.0))
    try:
        tid = await blackbeard.create(video=[P144], segment_duration=1.0)
        base = f"{blackbeard.url}/api/v1/transcodes/{tid}/144p"
        for index in range(3):
            assert (await get(f"{base}/{index}.ts"))[0] == 200
        transcode = blackbeard.service.transcoder.transcodes[tid]
        state = transcode.profiles["144p"]
        # Paused a lookahead ahead, then stopped after 3 quiet segment durations.
        await eventually(lambda: state.encoder is None or state.encoder.paused)
        await eventually(lambda: blackbeard.encoders() == 0, within=10.0)
        assert max(state.segments) <= 2 + 8
        assert max(state.segments) >= 6  # it did work ahead of the player
        # The segment it was writing when stopped is gone from the disk, too.
        await eventually(lambda: {int(n[:-3]) for n in segment_files(tmp_path / "work")}
                         == set(state.segments))
        # Asking again resumes at the first missing segment.
        first_missing = max(state.segments) + 1
        assert (await get(f"{base}/{first_missing}.ts"))[0] == 200
        (resumed,) = blackbeard.service.transcoder.encoders
        assert resumed.start == first_missing
    finally:
        await blackbeard.service.stopService()
    assert blackbeard.encoders() == 0 and not (tmp_path / "work").exists()


@pytest_twisted.ensureDeferred
async def test_service_stop_kills_ffmpeg_and_cleans_the_work_dir(
    source: Source, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "0123456789abcdef").mkdir()  # a crashed process's leftovers
    (work / "0123456789abcdef" / "7.ts").write_bytes(b"old")
    blackbeard = await start_blackbeard(source, work)
    tid = await blackbeard.create(video=[P144, P240_COPY])
    assert (await get(f"{blackbeard.url}/api/v1/transcodes/{tid}/144p/0.ts"))[0] == 200
    assert (await get(f"{blackbeard.url}/api/v1/transcodes/{tid}/240p/0.ts"))[0] == 200
    pids = [e.pid for e in blackbeard.service.transcoder.encoders]
    await blackbeard.service.stopService()
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not work.exists()


@pytest_twisted.ensureDeferred
async def test_contract_errors_are_json(blackbeard: Blackbeard) -> None:
    api = f"{blackbeard.url}/api/v1"
    assert (await treq.get(f"{api}/health")).code == 200
    response = await treq.post(f"{api}/transcodes", data=b"{not json")
    assert response.code == 400
    assert (await response.json())["error"]["code"] == "bad_request"
    response = await treq.post(f"{api}/transcodes", data=b'{"source_url": "file:///etc/passwd",'
                               b' "source": {"duration": 3}}')
    assert response.code == 400
    for field, value, named in (("height", 0, "video[0].height"),
                                ("height", 4322, "video[0].height"),
                                ("bitrate", 15_999, "video[0].bitrate"),
                                ("codec", "vp8", "video[0].codec")):
        body = {"source_url": blackbeard.source.url, "source": clip_source(30.0),
                "video": [{**P144, field: value}]}
        response = await treq.post(f"{api}/transcodes", data=json.dumps(body).encode())
        assert response.code == 400, (field, value)
        assert named in (await response.json())["error"]["message"]
    tid = await blackbeard.create(video=[P144])
    for bad in ("144p/..%2F..%2Fetc.ts", "144p/03.ts", "144p/3.mp4", "144p/-1.ts",
                "144p/15.ts", "720p/0.ts", "144p/99999999.ts"):
        response = await treq.get(f"{api}/transcodes/{tid}/{bad}")
        assert response.code == 404, bad
        assert "error" in await response.json()
    for bad_id in ("../../etc", "0123456789ABCDEF", "nope"):
        response = await treq.get(f"{api}/transcodes/{bad_id}")
        assert response.code == 404
    assert blackbeard.encoders() == 0  # nothing above started an encoder


@pytest_twisted.ensureDeferred
async def test_a_full_encoder_budget_answers_503(source: Source, tmp_path: Path) -> None:
    blackbeard = await start_blackbeard(source, tmp_path / "work", max_encoders=1,
                                        pacing=Pacing(wait=0.3))
    try:
        stuck = await blackbeard.create(video=[P144], source_url=source.hang_url)
        other = await blackbeard.create(video=[P144])
        api = f"{blackbeard.url}/api/v1/transcodes"
        response = await treq.get(f"{api}/{stuck}/144p/0.ts")
        assert response.code == 503 and (await response.json())["error"]["code"] == "not_ready"
        assert response.headers.getRawHeaders("Retry-After") == ["1"]
        # Its ffmpeg still waits for the source, working for a request: no room is made.
        response = await treq.get(f"{api}/{other}/144p/0.ts")
        assert response.code == 503
        assert response.headers.getRawHeaders("Retry-After") == ["2"]
        assert (await response.json())["error"]["code"] == "busy"
        assert blackbeard.encoders() == 1
    finally:
        await blackbeard.service.stopService()
    assert blackbeard.encoders() == 0


@pytest_twisted.ensureDeferred
async def test_a_remux_of_a_source_with_unfit_keyframes_is_encoded_instead(
    tmp_path: Path
) -> None:
    # A keyframe every 2.48 s: no cut can fall on a 2 s boundary without encoding.
    clip = make_clip(tmp_path / "gop.mp4", seconds=10, extra=("-g", "62"))
    served, port = serve(clip)
    blackbeard = await start_blackbeard(served, tmp_path / "work")
    try:
        tid = await blackbeard.create(video=[P240_COPY], duration=10.0)
        base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
        local = tmp_path / "local"
        local.mkdir()
        for index in range(5):
            code, body = await get(f"{base}/240p/{index}.ts")
            assert code == 200, body
            (local / f"{index}.ts").write_bytes(body)
        code, text = await get(f"{base}/240p/index.m3u8")
        (local / "index.m3u8").write_bytes(text)
        assert abs(media_duration(str(local / "index.m3u8")) - 10.0) <= 0.5
        status = await (await treq.get(base)).json()
        assert any("keyframes" in e for e in status["errors"]), status
        profile = blackbeard.service.transcoder.transcodes[tid].profiles["240p"].profile
        assert isinstance(profile, VideoProfile) and profile.codec == "h264"
    finally:
        await blackbeard.service.stopService()
        await stop_listening(port)
