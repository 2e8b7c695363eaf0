"""Burning a picture subtitle into a video rendition, with real ffmpeg over loopback HTTP.

The subtitled film's captions (``tests.subtitled``: magenta boxes, 3 s from 3 + 7k) are
burned into one rendition and not into its twin of the same size: at a caption's time their
frames differ in the caption's box and hardly elsewhere; between captions they hardly differ
at all. Also in a run started at a later segment, and from DVB subtitles in MPEG-TS.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
import treq

from revenge.blackbeard.timeline import TS_OFFSET
from revenge.library.probe import probe_file
from revenge.playback.sources import source_of
from tests.frames import Picture, frame_at, scaled, video_packets
from tests.loopback import stop_listening
from tests.subtitled import CAPTION_BOX, Film, blu_ray_rip
from tests.transcoder.conftest import Blackbeard, serve, start_blackbeard

pytestmark = pytest.mark.slow

SEGMENT = 6.0
WIDTH, HEIGHT = 320, 180  # half the film's 640x360
BOX = scaled(CAPTION_BOX, WIDTH / 640)
PLAIN = {"name": "plain", "width": WIDTH, "height": HEIGHT, "bitrate": 600_000}
# A caption drawn: its box far from the plain frame's, the rest near it (encoder noise).
DRAWN, NOISE = 40.0, 4.0


@pytest_twisted.async_yield_fixture(params=["mkv", "dvb", "rip"])
async def burning(request: Any, subtitled_film: Film, tmp_path: Path
                  ) -> AsyncIterator[tuple[Blackbeard, dict[str, Any]]]:
    """A Blackbeard reading the film (PGS in Matroska, DVB in MPEG-TS, or a rip whose PGS
    is placed on a Blu-ray's 1920x1080), and the source Revenge would describe to it: the
    probe's, picture subtitle tracks included."""
    path = blu_ray_rip(subtitled_film, tmp_path / "rip.mkv") if request.param == "rip" \
        else getattr(subtitled_film, request.param)
    served, port = serve(path)
    blackbeard = await start_blackbeard(served, tmp_path / "work")
    try:
        yield blackbeard, source_of(probe_file(path, segment_duration=SEGMENT)).to_json()
    finally:
        await blackbeard.service.stopService()
        await stop_listening(port)


async def _transcode(blackbeard: Blackbeard, source: dict[str, Any],
                     video: list[dict[str, Any]]) -> tuple[int, Any]:
    body = {"source_url": blackbeard.source.url, "source_headers": blackbeard.source.headers,
            "source": source, "segment_duration": SEGMENT, "video": video}
    response = await treq.post(f"{blackbeard.url}/api/v1/transcodes",
                               data=json.dumps(body).encode())
    return response.code, await response.json()


async def _twins(blackbeard: Blackbeard, source: dict[str, Any]) -> str:
    """A transcode of a plain rendition and its twin burning the source's picture subtitle."""
    (subtitle,) = source["subtitles"]
    code, doc = await _transcode(blackbeard, source, [
        PLAIN, {**PLAIN, "name": "burned", "burn_subtitle": subtitle["index"]}])
    assert code == 201, doc
    transcode_id: str = doc["id"]
    return transcode_id


async def _frames(blackbeard: Blackbeard, transcode_id: str, time: float,
                  directory: Path) -> tuple[Picture, Picture]:
    """The plain and the burned frame on screen at ``time`` (timeline seconds)."""
    segment = int(time // SEGMENT)
    paths = []
    for name in ("plain", "burned"):
        response = await treq.get(
            f"{blackbeard.url}/api/v1/transcodes/{transcode_id}/{name}/{segment}.ts")
        assert response.code == 200, (name, segment)
        paths.append(directory / f"{name}-{segment}.ts")
        paths[-1].write_bytes(await response.content())
    # Drawn on, the segment keeps its frames: the same instants, a keyframe first, only.
    packets = video_packets(paths[1])
    assert packets == video_packets(paths[0]), segment
    assert [key for _, key in packets] == [True] + [False] * (len(packets) - 1)
    plain, burned = (frame_at(p, time + TS_OFFSET, width=WIDTH, height=HEIGHT) for p in paths)
    return plain, burned


async def _assert_captions(blackbeard: Blackbeard, transcode_id: str, film: Film,
                           times: list[float], directory: Path) -> None:
    # Times half a second from a caption's edges: ffmpeg decodes the subtitles in a thread
    # of their own, and under load a caption may be drawn a frame or two late.
    for time in times:
        plain, burned = await _frames(blackbeard, transcode_id, time, directory)
        shown = any(c.start <= time < c.end for c in film.captions)
        inside = burned.difference(plain, BOX)
        assert (inside > DRAWN) if shown else (inside < NOISE), (time, shown, inside)
        assert burned.difference(plain, BOX, outside=True) < NOISE, time


@pytest_twisted.ensureDeferred
async def test_the_burned_rendition_shows_each_caption_at_its_time_and_only_then(
    burning: tuple[Blackbeard, dict[str, Any]], subtitled_film: Film, tmp_path: Path
) -> None:
    blackbeard, source = burning
    transcode_id = await _twins(blackbeard, source)
    # In caption 0 (3-6 s), between 0 and 1, in caption 3 (24-27 s, from a boundary on),
    # and in the last segment, after the last caption, to the film's end.
    await _assert_captions(blackbeard, transcode_id, subtitled_film,
                           [4.5, 5.5, 6.5, 8.0, 24.5, 26.0, 74.9], tmp_path)


@pytest_twisted.ensureDeferred
async def test_a_run_started_at_a_later_segment_shows_the_caption_already_on_screen(
    burning: tuple[Blackbeard, dict[str, Any]], subtitled_film: Film, tmp_path: Path
) -> None:
    blackbeard, source = burning
    transcode_id = await _twins(blackbeard, source)
    # Segment 3 (18-24 s) first: caption 2 (17-20 s) appeared a second before it starts.
    await _assert_captions(blackbeard, transcode_id, subtitled_film,
                           [18.5, 19.5, 20.5, 23.0], tmp_path)
    made = {p.name for p in blackbeard.work_dir.rglob("*.ts")}
    assert "3.ts" in made and not made & {"0.ts", "1.ts", "2.ts"}  # the runs began at 3


@pytest_twisted.ensureDeferred
async def test_a_burn_that_cannot_be_drawn_is_a_400_naming_the_field(
    burning: tuple[Blackbeard, dict[str, Any]]
) -> None:
    blackbeard, source = burning
    audio = source["audio"][0]["index"]
    for profile, named in (({"burn_subtitle": audio}, "video[0].burn_subtitle"),
                           ({"burn_subtitle": 99}, "video[0].burn_subtitle"),
                           ({"codec": "copy", "burn_subtitle": source["subtitles"][0]["index"]},
                            "video[0].burn_subtitle")):
        code, doc = await _transcode(blackbeard, source, [{**PLAIN, **profile}])
        assert code == 400 and named in doc["error"]["message"], (profile, doc)
    assert blackbeard.encoders() == 0
