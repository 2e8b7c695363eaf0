"""A long film's runs fit on a command line: ffmpeg is told every cut and every forced
keyframe of a run in one argument each, which Linux caps at 128 KiB; a timeline that would
need more cuts than fit is cut at the plain cadence instead."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from revenge.blackbeard.contract import AudioProfile, VideoProfile
from revenge.playback.cadence import MAX_ENCODED_SEGMENTS, Cadence
from revenge.playback.ladder import Ladder, build_ladder
from revenge.transcoder.command import Part, command, instants
from tests.contract import request
from tests.playback_core.test_ladder_session_manifest import _probe

ARGUMENT_LIMIT = 32 * os.sysconf("SC_PAGESIZE")  # MAX_ARG_STRLEN
VIDEO = VideoProfile(name="480p", width=854, height=480, bitrate=1_400_000)
AUDIO = AudioProfile(name="audio-0", track=1, bitrate=128_000)


def test_the_longest_encoded_timeline_fits_one_argument(tmp_path: Path) -> None:
    # The most cuts the encoded cadence allows, at a frame rate whose instants are not round.
    longest = request(duration=MAX_ENCODED_SEGMENTS * 2.0 - 0.5, video_profiles=(VIDEO,),
                      audio_profiles=(AUDIO,), segment_duration=2.0, frame_rate=24000 / 1001)
    assert longest.segment_count == MAX_ENCODED_SEGMENTS
    for rendition in (VIDEO, AUDIO):
        argv = command(longest, [Part(rendition, 0, tmp_path)], ffmpeg="ffmpeg").argv
        assert max(len(a.encode()) for a in argv) < ARGUMENT_LIMIT * 0.8


def _lasting(seconds: float) -> Ladder:
    ladder = build_ladder(_probe(720), remux=False)
    return type(ladder)(attrs.evolve(ladder.source, duration=seconds), ladder.video,
                        ladder.audio)


def test_longer_media_are_cut_at_the_plain_cadence_or_a_multiple() -> None:
    cadence = Cadence(segment=6.0, encoded=2.0, bootstrap=2.0)
    assert cadence.timeline(_lasting(3600.0)).segment == 2.0
    assert cadence.timeline(_lasting(MAX_ENCODED_SEGMENTS * 2.0 + 60)).segment == 6.0
    # A day-long recording: 12 s segments, still few enough; bootstrap segments first.
    day = cadence.timeline(_lasting(86_400.0))
    assert (day.segment, day.bootstrap, day.count) == (12.0, 2.0, 7_205)


def test_instants_are_short_and_exact_to_the_microsecond() -> None:
    assert instants([0.0, 2.0, 2.002, 1.9799999, 3600.0000004]) == "0,2,2.002,1.98,3600"
