"""The HLS judge passes what ffmpeg's own hls muxer makes and catches each seeded defect.

Streams are a few seconds long, made once per session; each test copies one, damages it
the way a buggy server would, serves it over real loopback HTTP and asks the judge.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from revenge.ffmpeg import ffmpeg_binary
from tests.hls.load import urllib_get
from tests.hls_check import HttpAnswer, Report, check_stream

pytestmark = pytest.mark.slow

SECONDS = 7.3  # four segments of 2 s, the last 1.32 s (183 frames at 25 fps)
_PICTURE = ("-t", str(SECONDS), "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25")
_TONE = ("-t", str(SECONDS), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
_CODING = ("-c:v", "libx264", "-preset", "veryfast", "-sc_threshold", "0",
           "-c:a", "aac", "-b:a", "64k", "-ac", "2")
_HLS = ("-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
        "-master_pl_name", "master.m3u8")
_LADDER = ("-map", "0:v", "-map", "0:v", "-map", "1:a", "-s:v:1", "256x144",
           "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
           "-var_stream_map", "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud,language:en,"
           "default:yes")


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    *args], check=True, timeout=120)


def _fix_ladder_bandwidth(directory: Path) -> None:
    """Add the audio rendition to each variant's BANDWIDTH and AVERAGE-BANDWIDTH.

    ffmpeg's hls muxer counts only the variant's own segments, although RFC 8216 wants
    the largest audio rendition of the group included; this makes its master correct.
    """
    audio = sorted((directory / "2").glob("seg*.m4s"))
    peak = max(path.stat().st_size for path in audio) * 8 / 2.0
    average = sum(path.stat().st_size for path in audio) * 8 / SECONDS
    master = directory / "master.m3u8"
    text = re.sub(r"(?<=[:,])BANDWIDTH=(\d+)",
                  lambda m: f"BANDWIDTH={int(m[1]) + int(peak * 1.1)}", master.read_text())
    text = re.sub(r"AVERAGE-BANDWIDTH=(\d+)",
                  lambda m: f"AVERAGE-BANDWIDTH={int(m[1]) + int(average)}", text)
    master.write_text(text)


@pytest.fixture(scope="session")
def streams(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Streams by ffmpeg's hls muxer: TS, an fMP4 ladder, and two born defective."""
    root = tmp_path_factory.mktemp("hls")
    made = {name: root / name for name in ("ts", "fmp4", "shifted", "split")}
    for path in made.values():
        path.mkdir()
    _ffmpeg(*_PICTURE, *_TONE, *_CODING, "-g", "50", *_HLS, "-hls_segment_filename",
            f"{made['ts']}/seg%d.ts", str(made["ts"] / "index.m3u8"))
    for name, delay in (("fmp4", ()), ("shifted", ("-itsoffset", "0.5"))):
        _ffmpeg(*_PICTURE, *delay, *_TONE, *_CODING, "-g", "50", *_HLS, *_LADDER,
                "-hls_segment_filename", f"{made[name]}/%v/seg%d.m4s",
                f"{made[name]}/%v/index.m3u8")
        _fix_ladder_bandwidth(made[name])
    # Cut by the clock, not at keyframes (one every 4 s): segments start mid-GOP.
    _ffmpeg(*_PICTURE, *_TONE, *_CODING, "-g", "100", *_HLS, "-hls_flags", "split_by_time",
            "-hls_segment_filename", f"{made['split']}/seg%d.ts",
            str(made["split"] / "index.m3u8"))
    return made


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over loopback HTTP; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # A short poll interval: shutdown() waits for the loop to look at its flag.
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def judge(streams: dict[str, Path], serve: Callable[[Path], str],
          tmp_path: Path) -> Callable[..., Report]:
    """Copy a stream, apply ``edit`` to the copy, serve it and check it."""

    def run(name: str, edit: Callable[[Path], None] | None = None, *,
            playlist: str = "master.m3u8", **options: object) -> Report:
        copy = tmp_path / name
        shutil.copytree(streams[name], copy)
        if edit is not None:
            edit(copy)
        options = {"ffmpeg": False, "has_video": True, "has_audio": True, **options}
        return check_stream(serve(copy) + playlist, expected_duration=SECONDS,
                            **options)  # type: ignore[arg-type]

    return run


def _edit(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    """An edit replacing ``old`` by ``new`` in one file of the stream."""

    def apply(directory: Path) -> None:
        target = directory / path
        text = target.read_text()
        assert old in text, (old, text)
        target.write_text(text.replace(old, new, count))

    return apply


def test_ffmpeg_ts_stream_passes(judge: Callable[..., Report]) -> None:
    report = judge("ts", ffmpeg=True, segment_duration=2.0, decode_all=True)
    assert report.ok, report
    # ffmpeg's mpegts muxer starts at 1.4 s; two B-frames of delay put the first picture
    # at 1.48 s, and AAC's priming frame puts the audio 21 ms before it.
    assert report.offset == pytest.approx(1.48, abs=0.001)
    first = report.playlists[0].segments[0]
    assert first.track("audio").start - first.track("video").start == pytest.approx(  # type: ignore[union-attr]
        -1024 / 48000, abs=0.0001)
    (variant,) = report.variants
    assert variant.resolution == (320, 180) and variant.frame_rate == pytest.approx(25)
    assert variant.codecs == ("avc1.64000C", "mp4a.40.2")
    assert variant.video_range == "SDR" and variant.transfer == "unspecified"
    assert report.ffmpeg is not None and report.ffmpeg.audio_packets > 300
    assert abs(report.ffmpeg.duration - SECONDS) < 0.1  # type: ignore[operator]
    assert report.rules("warning") == {"frame-rate"}  # ffmpeg writes no FRAME-RATE


def test_ffmpeg_fmp4_ladder_with_audio_rendition_passes(judge: Callable[..., Report]) -> None:
    report = judge("fmp4", ffmpeg=True, segment_duration=2.0, decode_all=True,
                   expected_aspect=16 / 9, expected_video_range="SDR")
    assert report.ok, report
    assert report.offset == pytest.approx(0.08, abs=0.001)
    assert [v.resolution for v in report.variants] == [(320, 180), (256, 144)]
    assert [p.role for p in report.playlists] == ["variant", "variant", "audio"]
    assert report.ffmpeg is not None and report.ffmpeg.returncode == 0


def test_checking_one_variant_brings_its_audio_group(judge: Callable[..., Report]) -> None:
    report = judge("fmp4", variants=[1])
    assert report.ok, report
    assert [p.label.split(" (")[0] for p in report.playlists] == [
        "variant 1", "audio 'group_aud'/'audio_2'"]


def test_a_lone_media_playlist_is_checked_without_master_rules(
        judge: Callable[..., Report]) -> None:
    report = judge("ts", playlist="index.m3u8", segment_duration=2.0)
    assert report.ok, report
    assert report.variants == () and [p.label for p in report.playlists] == ["media playlist"]
    assert report.findings == ()


def test_every_playlist_segment_and_init_section_is_fetched_once(
        judge: Callable[..., Report]) -> None:
    fetched: list[str] = []

    def counting_get(url: str) -> HttpAnswer:
        fetched.append(urlsplit(url).path)
        return urllib_get(url)

    assert judge("fmp4", http_get=counting_get).ok
    expected = ["/master.m3u8"] + [f"/{v}/{name}" for v in range(3) for name in (
        "index.m3u8", f"init_{v}.mp4", *(f"seg{n}.m4s" for n in range(4)))]
    assert sorted(fetched) == sorted(expected)


@pytest.mark.parametrize(("options", "rule"), [
    ({"expected_aspect": 9 / 16}, "aspect"),
    ({"expected_video_range": "PQ"}, "colour"),
    ({"segment_duration": 3.0}, "segment-grid"),
    ({"has_audio": False}, None),
])
def test_expectations_are_checked(judge: Callable[..., Report], options: dict[str, object],
                                  rule: str | None) -> None:
    report = judge("ts", **options)
    if rule is None:
        assert report.ok and "unexpected-audio" in report.rules("warning"), report
    else:
        assert rule in report.rules(), report


def _scale(attribute: str, factor: float, variant: int = 0) -> Callable[[Path], None]:
    """An edit multiplying one variant's ``attribute`` in the master by ``factor``."""

    def apply(directory: Path) -> None:
        master = directory / "master.m3u8"
        lines = master.read_text().splitlines()
        rows = [n for n, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]
        pattern = rf"(?<![-\w]){attribute}=(\d+)"
        lines[rows[variant]] = re.sub(pattern, lambda m: f"{attribute}={int(int(m[1]) * factor)}",
                                      lines[rows[variant]])
        master.write_text("\n".join(lines) + "\n")

    return apply


def _drop_segment(directory: Path) -> None:
    lines = (directory / "index.m3u8").read_text().splitlines()
    at = lines.index("seg1.ts")
    del lines[at - 1 : at + 1]
    (directory / "index.m3u8").write_text("\n".join(lines) + "\n")


DEFECTS: dict[str, tuple[str, Callable[[Path], None] | None, set[str]]] = {
    "deleted segment": ("ts", _drop_segment, {"gap", "duration"}),
    "segment missing on the server": (
        "ts", lambda d: (d / "seg2.ts").unlink(), {"fetch"}),
    "edited EXTINF": ("ts", _edit("index.m3u8", "#EXTINF:2.000000,\nseg1.ts",
                                  "#EXTINF:2.500000,\nseg1.ts"), {"extinf", "duration"}),
    "EXTINF over TARGETDURATION": ("ts", _edit("index.m3u8", "#EXT-X-TARGETDURATION:2",
                                               "#EXT-X-TARGETDURATION:1"),
                                   {"target-duration"}),
    "no ENDLIST": ("ts", _edit("index.m3u8", "#EXT-X-ENDLIST", ""), {"endlist"}),
    "not VOD": ("ts", _edit("index.m3u8", "#EXT-X-PLAYLIST-TYPE:VOD\n", ""),
                {"playlist-type"}),
    "RESOLUTION lies": ("ts", _edit("master.m3u8", "RESOLUTION=320x180",
                                    "RESOLUTION=640x360"), {"resolution"}),
    "CODECS lies": ("ts", _edit("master.m3u8", "avc1.64000c", "avc1.42e01e"), {"codecs"}),
    "CODECS forgets the audio": ("ts", _edit("master.m3u8", ",mp4a.40.2", ""), {"codecs"}),
    "BANDWIDTH too low": ("ts", _scale("BANDWIDTH", 0.8), {"bandwidth"}),
    "AVERAGE-BANDWIDTH too low": ("ts", _scale("AVERAGE-BANDWIDTH", 0.8),
                                  {"average-bandwidth"}),
    "second variant's BANDWIDTH leaves out the audio": (
        "fmp4", _scale("BANDWIDTH", 0.8, variant=1), {"bandwidth"}),
    "FRAME-RATE lies": ("ts", _edit("master.m3u8", "CODECS=", "FRAME-RATE=30.000,CODECS="),
                        {"frame-rate"}),
    "VIDEO-RANGE lies": ("ts", _edit("master.m3u8", "CODECS=", "VIDEO-RANGE=PQ,CODECS="),
                         {"video-range"}),
    "CHANNELS lies": ("fmp4", _edit("master.m3u8", 'CHANNELS="2"', 'CHANNELS="6"'),
                      {"channels"}),
    "AUDIO group missing": ("fmp4", _edit("master.m3u8", 'GROUP-ID="group_aud"',
                                          'GROUP-ID="other"'), {"audio-group"}),
    "segment without a keyframe": ("split", None, {"keyframe", "decode"}),
}


@pytest.mark.parametrize("defect", DEFECTS, ids=str)
def test_seeded_defect_is_caught(judge: Callable[..., Report], defect: str) -> None:
    name, edit, rules = DEFECTS[defect]
    report = judge(name, edit)
    assert not report.ok, report
    assert rules <= report.rules(), report
    for finding in report.errors:  # each says where, what was expected, what was measured
        assert finding.where and ("expected" in finding.message
                                  or finding.message.startswith("... and")), finding


def test_audio_rendition_shifted_by_half_a_second(judge: Callable[..., Report],
                                                 streams: dict[str, Path]) -> None:
    def swap(directory: Path) -> None:
        shutil.rmtree(directory / "2")
        shutil.copytree(streams["shifted"] / "2", directory / "2")

    report = judge("fmp4", swap)
    assert {"align", "first-frame"} <= report.rules(), report
    shifts = [f for f in report.errors if f.rule == "first-frame"]
    assert any("+0.479 s" in f.message for f in shifts), report  # 0.5 s less AAC priming
