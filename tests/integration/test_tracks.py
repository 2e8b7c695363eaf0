"""Every audio track and every text subtitle of a real film, end to end: a real
``twistd revenge``, real ffmpeg extraction and transcodes, ffmpeg's HLS demuxer as the client.

The master offers each track with the right attributes; each audio rendition reads whole;
each WebVTT rendition holds every cue at its source time, fetched from a segment after a
seek too; and ``X-TIMESTAMP-MAP`` puts cues on the timeline of the MPEG-TS segments beside
them (checked against a video segment's own timestamps).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import av
import m3u8
import pytest

from revenge.blackbeard.timeline import MPEG_CLOCK, TS_OFFSET, Timeline
from revenge.subtitles.webvtt import parse_webvtt
from tests.hls.ffmpeg_read import judge_read, read_with_ffmpeg
from tests.hls.model import ERROR
from tests.server import Server, admin_token, http, wait_for
from tests.subtitled import Film, Track

pytestmark = pytest.mark.slow
TOLERANCE = 0.1  # seconds: the issue's ±100 ms


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subtitled_film: Film) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("tracks")
    data = work / "data"
    token = admin_token(data)
    with Server(work / "run", ["--media", str(subtitled_film.mkv.parent),
                               "--data-dir", str(data)], token=token) as running:
        wait_for(lambda: running.get("/api/v1/media").json()["total"] == 3, what="the scan")
        yield running


def _media(server: Server, path: Path) -> dict[str, Any]:
    items = server.get("/api/v1/media").json()["items"]
    found: dict[str, Any] = next(i for i in items if i["file"] == path.name)
    return found


def _session(server: Server, media_id: str, **options: Any) -> dict[str, Any]:
    answer = server.post("/api/v1/playback/sessions", {"media_id": media_id, **options})
    assert answer.status == 201, answer.body
    doc: dict[str, Any] = answer.json()
    return doc


def _text(url: str) -> str:
    answer = http("GET", url)
    assert answer.status == 200, (url, answer.body[:200])
    return answer.body.decode()


def _master(server: Server, session: dict[str, Any]) -> tuple[str, m3u8.M3U8]:
    url = server.url(session["master_url"])
    return url, m3u8.loads(_text(url))


def test_the_media_and_its_master_playlist_offer_every_track(server: Server,
                                                             subtitled_film: Film) -> None:
    film = subtitled_film
    item = _media(server, film.mkv)
    listed = [(t["codec"], t["text"], t["language"], t["default"], t["forced"],
               t["hearing_impaired"]) for t in item["subtitle_tracks"]]
    assert listed == [(t.codec, t.text, t.language, t.default, t.forced, t.hearing_impaired)
                      for t in film.subtitles]
    assert [(t["index"], t["language"]) for t in item["audio_tracks"]] == [
        (a.stream_index, a.language) for a in film.audio]
    _, master = _master(server, _session(server, item["id"]))
    audio = [m for m in master.media if m.type == "AUDIO"]
    assert [(m.language, m.channels) for m in audio] == [(a.language, "2") for a in film.audio]
    assert [m.language for m in audio if m.default == "YES"] == [
        a.language for a in film.audio if a.default]
    subtitles = [m for m in master.media if m.type == "SUBTITLES"]
    text = [t for t in film.subtitles if t.text]
    assert [(m.language, m.forced) for m in subtitles] == [
        (t.language, "YES" if t.forced else "NO") for t in text]
    assert len({m.name for m in subtitles}) == len(subtitles)  # NAME is unique in a group
    # No preference: the forced track in the language of the (French) sound is shown.
    shown = [m for m in subtitles if m.default == "YES"]
    assert [(m.language, m.forced) for m in shown] == [("fr", "YES")]
    assert all('SUBTITLES="subs"' in str(v) for v in master.playlists)


def test_every_audio_rendition_reads_whole_with_ffmpeg(server: Server,
                                                       subtitled_film: Film) -> None:
    url, master = _master(server, _session(server, _media(server, subtitled_film.mkv)["id"]))
    for media in (m for m in master.media if m.type == "AUDIO"):
        read = read_with_ffmpeg(urljoin(url, media.uri), has_audio=True)
        errors = [f for f in judge_read(read, expected_duration=subtitled_film.duration,
                                        has_audio=True) if f.severity == ERROR]
        assert not errors, (media.name, errors)


def _cues_of(vtt: str) -> set[tuple[float, float, str]]:
    return {(c.start, c.end, c.text.replace("&amp;", "&")) for c in parse_webvtt(vtt)}


def _assert_cues(found: set[tuple[float, float, str]], track: Track, *, start: float = 0.0,
                 end: float = float("inf")) -> None:
    """Every cue of ``track`` overlapping ``[start, end)`` is in ``found``, once, on time."""
    wanted = [c for c in track.cues if c.end > start and c.start < end]
    assert len(found) == len(wanted), (track.codec, track.language, sorted(found), wanted)
    for cue, got in zip(wanted, sorted(found), strict=True):
        assert abs(got[0] - cue.start) <= TOLERANCE and abs(got[1] - cue.end) <= TOLERANCE, \
            (track.codec, track.language, got, cue)
        assert cue.text in got[2], (got, cue)


def test_every_subtitle_rendition_holds_each_cue_at_its_time_also_after_a_seek(
    server: Server, subtitled_film: Film
) -> None:
    film = subtitled_film
    session = _session(server, _media(server, film.mkv)["id"], start_position=45.0)
    url, master = _master(server, session)
    timeline = Timeline(film.duration, 6.0, 2.0)  # remuxed, keyframes every 2 s
    header = f"X-TIMESTAMP-MAP=MPEGTS:{round(TS_OFFSET * MPEG_CLOCK)},LOCAL:00:00:00.000"
    renditions = [m for m in master.media if m.type == "SUBTITLES"]
    for media, track in zip(renditions, [t for t in film.subtitles if t.text], strict=True):
        playlist_url = urljoin(url, media.uri)
        segments = m3u8.loads(_text(playlist_url)).segments
        assert len(segments) == timeline.count
        # The player seeked to 45 s: the first segment it asks for is the one holding it.
        first = timeline.index_at(45.0)
        seeked = _text(urljoin(playlist_url, segments[first].uri))
        assert seeked.splitlines()[1] == header
        _assert_cues(_cues_of(seeked), track, start=timeline.start(first),
                     end=timeline.end(first))
        found: set[tuple[float, float, str]] = set()
        for segment in segments:
            found |= _cues_of(_text(urljoin(playlist_url, segment.uri)))
        _assert_cues(found, track)


def test_the_timestamp_map_is_the_video_segments_clock(server: Server,
                                                       subtitled_film: Film) -> None:
    url, master = _master(server, _session(server, _media(server, subtitled_film.mkv)["id"]))
    variant = urljoin(url, master.playlists[0].uri)
    playlist = m3u8.loads(_text(variant))
    index = 7
    data = http("GET", urljoin(variant, playlist.segments[index].uri)).body
    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.video[0]
        first = min(p.pts for p in container.demux(stream) if p.pts is not None)
        assert stream.time_base is not None
        seconds = float(first * stream.time_base)
    # A cue at LOCAL t is shown at MPEGTS + t; the segment's frames sit at TS_OFFSET + their
    # timeline time, so both land on one clock (within a frame).
    start = Timeline(subtitled_film.duration, 6.0, 2.0).start(index)
    assert abs(seconds - TS_OFFSET - start) < 1 / 24
