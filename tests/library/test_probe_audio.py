"""The probe on real audio and subtitle tracks: codecs, channels, tags, languages, art."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.store.records import ProbeResult, StreamInfo
from tests.library.probe_media import QUIET, tone


def _audio(probes: dict[str, ProbeResult], name: str) -> StreamInfo:
    probe = probes[name]
    assert probe.error is None, probe.error
    (first, *_) = probe.audio
    return first


@pytest.mark.parametrize(("name", "codec", "codec_string", "channels", "layout", "rate"), [
    ("ac3_51.ac3", "ac3", "ac-3", 6, "5.1(side)", 48000),
    ("eac3.mka", "eac3", "ec-3", 2, "stereo", 48000),
    ("dts.dts", "dts", "dtsc", 2, "stereo", 48000),
    ("opus.opus", "opus", "Opus", 1, "mono", 48000),
    ("flac.flac", "flac", "fLaC", 1, "mono", 44100),
    ("tagged.mp3", "mp3", "mp4a.40.34", 1, "mono", 44100),
    ("aac_lc.m4a", "aac", "mp4a.40.2", 1, "mono", 44100),  # AudioSpecificConfig
    ("h264_main.ts", "aac", "mp4a.40.2", 1, "mono", 48000),  # ADTS: by profile name
    ("mpeg2.mpg", "mp2", "mp4a.40.33", 1, "mono", 48000),
    ("wmv2.wmv", "wmav2", None, 1, None, 48000),  # "1 channels": no known layout
])
def test_audio_codecs(probes: dict[str, ProbeResult], name: str, codec: str,
                      codec_string: str | None, channels: int, layout: str | None,
                      rate: int) -> None:
    audio = _audio(probes, name)
    assert (audio.codec, audio.codec_string, audio.channels, audio.channel_layout,
            audio.sample_rate) == (codec, codec_string, channels, layout, rate)
    assert audio.duration is not None and abs(audio.duration - 2.0) < 0.1


def _encoders() -> str:
    done = subprocess.run([ffmpeg_binary(), "-hide_banner", "-encoders"], check=True,
                          capture_output=True, text=True)
    return done.stdout


def test_he_aac(tmp_path: Path) -> None:
    encoders = _encoders()
    encoder = next((e for e in ("libfdk_aac", "aac_at") if f" {e} " in encoders), None)
    if encoder is None:
        pytest.skip("this ffmpeg has no HE-AAC encoder (libfdk_aac, aac_at); the "
                    "AudioSpecificConfig parsing is covered by test_probe_codecs")
    path = tmp_path / "he.m4a"
    subprocess.run([ffmpeg_binary(), *QUIET, *tone(), "-c:a", encoder, "-profile:a",
                    "aac_he", str(path)], check=True, timeout=120)
    audio = probe_file(path).audio[0]
    assert audio.codec_string == "mp4a.40.5"


def test_music_tags_and_cover_art(probes: dict[str, ProbeResult]) -> None:
    mp3 = probes["tagged.mp3"]
    assert mp3.tags == {"title": "Song", "artist": "Band", "album": "Record",
                        "album_artist": "Band", "track": "2/12", "date": "2003",
                        "genre": "Rock"}  # the comment is not one of the tags kept
    assert mp3.title == "Song"
    assert mp3.cover is not None and mp3.cover.attached_picture
    assert mp3.cover.kind == "video" and mp3.cover.codec == "png"
    assert mp3.video is None  # cover art is not a video track
    assert len(mp3.audio) == 1
    assert probes["flac.flac"].tags == {"title": "Tone", "artist": "Lab", "album": "Tests",
                                        "track": "3/9"}
    # Ogg keeps its Vorbis comments on the stream.
    assert probes["opus.opus"].tags == {"title": "Sine", "artist": "Oscillator"}
    assert probes["h264_high.mp4"].tags == {}


def test_tracks_languages_titles_and_dispositions(probes: dict[str, ProbeResult]) -> None:
    probe = probes["tracks.mkv"]
    audio = probe.audio
    assert [a.language for a in audio] == ["fr", "de", "en"]  # fre, ger, eng
    assert [a.title for a in audio] == ["Français", "Deutsch", None]
    assert [(a.default, a.forced) for a in audio] == [(True, False), (False, False),
                                                       (False, False)]
    (subtitle,) = [s for s in probe.streams if s.kind == "subtitle"]
    assert (subtitle.codec, subtitle.text, subtitle.language) == ("subrip", True, "fr")
    assert subtitle.forced and not subtitle.default
    assert probes["subs.mp4"].streams[1].language == "de"  # deu


def test_text_and_picture_subtitles(probes: dict[str, ProbeResult], zoo: dict[str, Path]
                                    ) -> None:
    mov_text = probes["subs.mp4"].streams[1]
    assert (mov_text.kind, mov_text.codec, mov_text.text) == ("subtitle", "mov_text", True)
    (dvd,) = [s for s in probes["dvdsub.mkv"].streams if s.kind == "subtitle"]
    assert (dvd.codec, dvd.text) == ("dvd_subtitle", False)
    # It really is a picture: the decoder draws a bitmap from it.
    with av.open(str(zoo["dvdsub.mkv"])) as container:
        stream = container.streams.subtitles[0]
        packet = next(p for p in container.demux(stream) if p.size)
        pictures = stream.decode(packet)
    assert pictures and pictures[0].type == b"bitmap"
    assert (pictures[0].width, pictures[0].height) == (2, 2)


def test_a_file_without_audio_or_video_is_an_error(zoo: dict[str, Path]) -> None:
    subtitles_only = zoo["dvdsub.mkv"].with_name("dvdsub-only.mkv")
    assert probe_file(subtitles_only) == ProbeResult(error="no audio or video stream")
