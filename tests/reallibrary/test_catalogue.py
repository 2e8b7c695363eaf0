"""The catalogue tells the truth: every generated file is what ``tests.realmedia`` says.

Tests that play the library through Revenge compare what they get against the catalogue;
these tests make sure a failure there is Revenge's, not a wrong fact about the input.
"""

from __future__ import annotations

import itertools
import math
import struct
from array import array
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import pytest
from av.sidedata.sidedata import SideDataContainer
from av.video.stream import VideoStream

from tests.realmedia import BY_NAME, CATALOGUE, CENTRE_HZ, Media

pytestmark = pytest.mark.slow

DURATION_SLACK = 0.06  # an audio frame of padding, or a muxer's rounding to milliseconds
FIELD_ORDERS = {1: None, 2: "tt", 3: "bb", 4: "tb", 5: "bt"}
TRANSFERS = {16: "pq", 18: "hlg"}  # AVColorTransferCharacteristic; anything else is SDR
BT2020 = 9


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _first_frame(path: Path) -> av.VideoFrame:
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def _video_packets(path: Path, limit: int | None = None) -> list[av.Packet[VideoStream]]:
    """The first ``limit`` video packets (all when None) in decode order, timestamped."""
    found = []
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            if packet.pts is not None:
                found.append(packet)
            if limit is not None and len(found) >= limit:
                break
    return found


def _pts(packet: av.Packet[VideoStream]) -> int:
    """The timestamp of one of ``_video_packets``'s packets (they all have one)."""
    assert packet.pts is not None
    return packet.pts


def _data_end(path: Path) -> float:
    """Where the last packet that really is in the file ends, in seconds."""
    end = 0.0
    with av.open(str(path)) as container:
        try:
            for packet in container.demux():
                if packet.pts is not None and packet.time_base is not None:
                    duration = packet.duration or 0
                    end = max(end, float((packet.pts + duration) * packet.time_base))
        except av.error.InvalidDataError:
            pass  # the torn last cluster of a truncated file
    return end


@pytest.fixture(params=CATALOGUE, ids=lambda media: media.name)
def media(request: pytest.FixtureRequest) -> Media:
    """Each entry of the catalogue in turn."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def path(media: Media, real_library: dict[str, Path]) -> Path:
    """The generated file of ``media``."""
    return real_library[media.name]


def test_duration_and_start(media: Media, path: Path) -> None:
    with av.open(str(path)) as container:
        assert container.duration is not None
        declared = container.duration / 1e6
        start = (container.start_time or 0) / 1e6
    assert abs(declared - media.duration) <= DURATION_SLACK, declared
    assert abs(start - media.start_time) <= 0.1, start
    if media.truncated:
        assert media.cut is not None
        # Bytes and seconds are nearly proportional in a test pattern at a steady rate.
        real = _data_end(path)
        assert abs(real - media.duration * media.cut) <= 0.15 * media.duration, real


def test_video(media: Media, path: Path) -> None:
    with av.open(str(path)) as container:
        pictures = [s for s in container.streams.video
                    if not s.disposition & av.stream.Disposition.attached_pic]
        if media.video_codec is None:
            assert pictures == []
            return
        assert len(pictures) == 1
        stream = pictures[0]
        assert stream.codec_context.codec.canonical_name == media.video_codec
        rate, field_order = stream.average_rate, stream.codec_context.field_order
        sar = stream.sample_aspect_ratio or Fraction(1)
    frame = _first_frame(path)
    assert (frame.width, frame.height) == media.coded_size
    display = (round(frame.width * sar), frame.height)
    if frame.rotation % 180:
        display = display[::-1]
    assert display == (media.width, media.height)
    assert frame.rotation == media.rotation
    assert FIELD_ORDERS.get(field_order) == media.field_order
    assert frame.interlaced_frame == media.interlaced
    if media.fps is not None:
        assert rate is not None and abs(float(rate) - media.fps) <= media.fps / 100, rate


@pytest.mark.parametrize("name", [m.name for m in CATALOGUE if m.video_codec])
def test_colour(name: str, real_library: dict[str, Path]) -> None:
    media = BY_NAME[name]
    frame = _first_frame(real_library[name])
    assert TRANSFERS.get(frame.color_trc, "sdr") == media.transfer
    if media.transfer != "sdr":
        assert frame.color_primaries == BT2020
    # PyAV's stub says ``SideData``; it is the container of them.
    side = {str(data.type) for data in cast(SideDataContainer, frame.side_data)}
    has_mastering = "Type.MASTERING_DISPLAY_METADATA" in side
    assert has_mastering == ("mastering-display" in media.features), side


def test_audio(media: Media, path: Path) -> None:
    with av.open(str(path)) as container:
        tracks = list(container.streams.audio)
        assert len(tracks) == media.audio_tracks
        for track in tracks:
            assert track.codec_context.codec.canonical_name == media.audio_codec
            assert track.codec_context.channels == media.channels
        video = container.streams.video[0] if media.video_codec else None
        if video is not None and tracks:
            video_start = _seconds(video.start_time, video.time_base) or 0.0
            audio_start = _seconds(tracks[0].start_time, tracks[0].time_base) or 0.0
            assert abs(video_start - audio_start - media.video_delay) <= 0.05


@pytest.fixture
def two_audio(real_library: dict[str, Path]) -> Iterator[av.container.InputContainer]:
    """The file with two audio tracks, open."""
    with av.open(str(real_library["two_audio.mp4"])) as container:
        yield container


def test_two_audio_languages_titles_and_default(two_audio: av.container.InputContainer) -> None:
    tracks = list(two_audio.streams.audio)
    assert [t.metadata.get("language") for t in tracks] == ["eng", "fre"]
    assert [t.metadata.get("name") for t in tracks] == ["English", "Français"]
    default = av.stream.Disposition.default
    assert [bool(t.disposition & default) for t in tracks] == [True, False]


def test_tags_and_cover(media: Media, path: Path) -> None:
    with av.open(str(path)) as container:
        tags = {k.lower(): v for k, v in container.metadata.items()}
        for stream in container.streams.audio:
            tags.update({k.lower(): v for k, v in stream.metadata.items()})
        covers = [s for s in container.streams.video
                  if s.disposition & av.stream.Disposition.attached_pic]
    for key, value in (media.tags or {}).items():
        assert tags.get(key) == value, (key, tags)
    assert len(covers) == (1 if media.cover else 0)


def _goertzel(samples: array[float], rate: int, frequency: float) -> float:
    """The share of ``samples``' power at ``frequency`` (1.0 for a pure tone)."""
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    power = previous**2 + before**2 - coefficient * previous * before
    total = sum(s * s for s in samples) * len(samples) / 2
    return power / total if total else 0.0


def _channels(path: Path, seconds: float) -> tuple[list[str], list[array[float]], int]:
    """Decode ``seconds`` of the first audio track: channel names, float samples, rate."""
    resampler = av.AudioResampler(format="fltp")
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        names = [channel.name for channel in stream.codec_context.layout.channels]
        rate = stream.codec_context.sample_rate
        planes: list[array[float]] = [array("f") for _ in names]
        for decoded in container.decode(stream):
            for frame in resampler.resample(decoded):
                for plane, samples in zip(frame.planes, planes, strict=True):
                    samples.extend(array("f", bytes(plane))[: frame.samples])
            if len(planes[0]) >= seconds * rate:
                break
    # Skip the codec's start-up, then keep a whole number of cycles' worth.
    return names, [p[rate // 10 : rate // 10 + int(seconds * rate)] for p in planes], rate


@pytest.mark.parametrize("name", [m.name for m in CATALOGUE if "centre-tone" in m.features])
def test_centre_tone_is_in_the_centre(name: str, real_library: dict[str, Path]) -> None:
    names, planes, rate = _channels(real_library[name], 0.25)
    shares = {name: _goertzel(p, rate, CENTRE_HZ) for name, p in zip(names, planes, strict=True)}
    assert shares["FC"] > 0.8, shares
    assert all(share < 0.05 for name, share in shares.items() if name != "FC"), shares


def _top_level_boxes(path: Path) -> list[str]:
    """The ISO BMFF top-level box types, in file order."""
    types, offset, size = [], 0, path.stat().st_size
    with path.open("rb") as f:
        while offset < size:
            f.seek(offset)
            length, kind = struct.unpack(">I4s", f.read(8))
            if length == 1:
                length = struct.unpack(">Q", f.read(8))[0]
            types.append(kind.decode("latin-1"))
            offset += length or size
    return types


def test_features(media: Media, path: Path) -> None:
    packets = _video_packets(path, 300) if media.video_codec else []
    if "b-frames" in media.features:
        assert any(p.dts is not None and _pts(p) > p.dts for p in packets[1:])
    if "keyint-250" in media.features:
        keys = [n for n, p in enumerate(_video_packets(path)) if p.is_keyframe]
        assert keys == [0, 250, 500], keys
    if "edit-list" in media.features:
        # The copy starts at the keyframe before the cut; the edit list hides the lead-in.
        assert _pts(packets[0]) < 0 and packets[0].is_keyframe
        assert _first_frame(path).pts == 0
    if "moov-at-end" in media.features:
        boxes = _top_level_boxes(path)
        assert boxes.index("mdat") < boxes.index("moov"), boxes
    if "vfr" in media.features:
        times = sorted(_pts(p) for p in packets)
        steps = {b - a for a, b in itertools.pairwise(times)}
        assert max(steps) >= 5 * min(steps), steps
