"""Which audio and subtitle tracks a session starts with, what menus call them, and how the
master playlist offers them (DEFAULT, FORCED, CHARACTERISTICS, one SUBTITLES group)."""

from __future__ import annotations

import attrs
import m3u8
import pytest

from revenge.blackbeard.contract import AudioProfile
from revenge.blackbeard.timeline import Timeline
from revenge.library.language_names import language_name
from revenge.playback.labels import audio_labels, subtitle_label, subtitle_labels, unique_labels
from revenge.playback.manifest import rewrite_master, subtitle_playlist
from revenge.playback.tracks import default_audio, same_language, subtitle_renditions
from revenge.store.records import Preferences, StreamInfo
from revenge.subtitles.tracks import SubtitleTrack

NONE = Preferences()


def _audio(*specs: tuple[str | None, bool]) -> list[AudioProfile]:
    return [AudioProfile(name=f"audio-{n}", track=n + 1, bitrate=128_000, language=lang,
                         default=default) for n, (lang, default) in enumerate(specs)]


def _subtitle(number: int, language: str | None, *, text: bool = True, forced: bool = False,
              default: bool = False, sdh: bool = False, title: str | None = None
              ) -> SubtitleTrack:
    return SubtitleTrack(number=number, codec="subrip" if text else "hdmv_pgs_subtitle",
                         text=text, language=language, title=title, default=default,
                         forced=forced, hearing_impaired=sdh, stream_index=number + 3)


@pytest.mark.parametrize(("chosen", "preferred", "expected"), [
    (None, None, "audio-1"),  # the file's default flag
    (2, None, "audio-2"),  # the player's choice wins over everything
    (None, "de", "audio-2"),  # the preferred language over the file's flag
    (None, "en-GB", "audio-0"),  # a regional tag matches its language
    (None, "ja", "audio-1"),  # nothing in that language: the file's flag
])
def test_the_default_audio_track(chosen: int | None, preferred: str | None,
                                 expected: str) -> None:
    audio = _audio(("en", False), ("fr", True), ("de", False))
    choice = default_audio(audio, chosen=chosen,
                           preferences=Preferences(audio_language=preferred))
    assert choice is not None and choice.name == expected


def test_several_default_flags_resolve_to_the_first_and_none_to_the_first_track() -> None:
    flagged = default_audio(_audio(("en", False), ("fr", True), ("de", True)), chosen=None,
                            preferences=NONE)
    unflagged = default_audio(_audio(("en", False), ("fr", False)), chosen=None,
                              preferences=NONE)
    assert (flagged and flagged.name, unflagged and unflagged.name) == ("audio-1", "audio-0")
    assert default_audio([], chosen=None, preferences=NONE) is None


TRACKS = [_subtitle(0, "en"), _subtitle(1, "fr", forced=True), _subtitle(2, "fr"),
          _subtitle(3, "en", sdh=True), _subtitle(4, "en", text=False), _subtitle(5, "de")]


def _default(preferred: str | None, audio: str | None, chosen: int | None = None,
             tracks: list[SubtitleTrack] = TRACKS, mode: str = "auto") -> int | None:
    renditions = subtitle_renditions(
        tracks, chosen=chosen, audio_language=audio,
        preferences=Preferences(subtitle_language=preferred, subtitle_mode=mode))
    shown = [r.track.number for r in renditions if r.default]
    assert len(shown) <= 1
    return shown[0] if shown else None


@pytest.mark.parametrize(("preferred", "audio", "chosen", "expected"), [
    ("en", "fr", None, 0),  # foreign audio: full subtitles in my language (not the SDH ones)
    ("fr", "fr", None, 1),  # audio in my language already: only its forced track
    ("de", "en", None, 5),
    ("ja", "fr", None, 1),  # none in my language: the forced track of the audio's language
    (None, "fr", None, 1),  # no preference: forced subtitles of the audio's language
    (None, "de", None, None),  # nothing forced in German, nothing flagged: none
    ("en", "fr", 5, 5),  # the player's choice wins
])
def test_the_default_subtitle_track(preferred: str | None, audio: str | None,
                                    chosen: int | None, expected: int | None) -> None:
    assert _default(preferred, audio, chosen) == expected


def test_without_a_preference_the_files_flag_shows_a_subtitle() -> None:
    tracks = [_subtitle(0, "en"), _subtitle(1, "fr", default=True)]
    assert _default(None, "en", tracks=tracks) == 1
    # A preference that needs no subtitles (audio already in it) overrides the file's flag.
    assert _default("en", "en", tracks=tracks) is None


def test_picture_subtitles_are_not_offered_as_renditions() -> None:
    renditions = subtitle_renditions(TRACKS, chosen=4, preferences=NONE, audio_language="en")
    assert [r.track.number for r in renditions] == [0, 1, 2, 3, 5]
    assert not any(r.default for r in renditions)  # the chosen one is burned in instead
    assert [r.name for r in renditions][:2] == ["subs-0", "subs-1"]


def test_labels_say_the_language_and_what_kind_of_track() -> None:
    assert language_name("fr") == "French" and language_name("pt-BR") == "Portuguese (BR)"
    assert language_name("qq") is None and language_name(None) is None
    assert subtitle_label(_subtitle(0, "fr", forced=True)) == "French (Forced)"
    assert subtitle_label(_subtitle(0, "en", sdh=True)) == "English (SDH)"
    assert subtitle_label(_subtitle(0, None, title="Director")) == "Director"
    assert subtitle_label(_subtitle(2, None)) == "Subtitles 3"
    assert unique_labels(["English", "English", "French"]) == ["English", "English (2)",
                                                                "French"]
    assert same_language("pt-BR", "pt") and not same_language("en", None)


@pytest.mark.parametrize(("mode", "preferred", "audio", "expected"), [
    ("off", "en", "fr", None),  # off: nothing shows by itself, not even forced captions
    ("off", None, "fr", None),
    ("always", "fr", "fr", 2),  # always: my language's full track even when it is spoken
    ("always", "ja", "fr", 1),  # ... else as auto
    ("forced", "en", "fr", 1),  # forced: only the spoken language's forced captions
    ("forced", "en", "de", None),
])
def test_the_subtitle_mode_decides_what_shows_by_itself(
    mode: str, preferred: str | None, audio: str, expected: int | None
) -> None:
    assert _default(preferred, audio, mode=mode) == expected
    assert _default(preferred, audio, chosen=5, mode=mode) == 5  # a choice is a choice


def test_subtitle_labels_tell_same_name_tracks_apart_by_what_they_are() -> None:
    sidecar = attrs.evolve(_subtitle(3, "en"), stream_index=None, sidecar="/m/Film.en.srt")
    tracks = [_subtitle(0, "en"), _subtitle(1, "en", text=False), _subtitle(2, "fr"), sidecar,
              _subtitle(4, "fr")]
    assert subtitle_labels(tracks) == ["English (SRT)", "English (PGS)", "French (SRT)",
                                       "English (SRT file)", "French (SRT) (5)"]
    # Playlists list text tracks only: a picture track beside one takes the mark alone.
    assert subtitle_labels(tracks[:3]) == ["English", "English (PGS)", "French"]


def test_audio_labels_tell_same_language_tracks_apart_by_their_channels() -> None:
    def track(index: int, language: str | None, channels: int,
              title: str | None = None) -> StreamInfo:
        return StreamInfo(index=index, kind="audio", language=language, channels=channels,
                          title=title)
    labels = audio_labels([track(1, "en", 6), track(2, "en", 2), track(3, "fr", 2),
                           track(4, None, 2), track(5, "en", 2, "Commentary")])
    assert labels == ["English 5.1", "English Stereo", "French", "Track 4", "Commentary"]


MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",CHANNELS="2",DEFAULT=YES,AUTOSELECT=YES,URI="audio-0/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="French",LANGUAGE="fr",CHANNELS="2",DEFAULT=NO,AUTOSELECT=YES,URI="audio-1/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aac"
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS="avc1.64000d,mp4a.40.2",RESOLUTION=426x240,AUDIO="aac"
240p/index.m3u8
"""


def test_the_master_playlist_marks_the_sessions_audio_and_adds_one_subtitles_group() -> None:
    renditions = subtitle_renditions(TRACKS, chosen=None, audio_language="fr",
                                     preferences=Preferences(subtitle_language="en"))
    text = rewrite_master(MASTER, token="T", audio_default="audio-1", subtitles=renditions)
    master = m3u8.loads(text)
    audio = [(m.uri, m.default) for m in master.media if m.type == "AUDIO"]
    assert audio == [("audio-0/index.m3u8?t=T", "NO"), ("audio-1/index.m3u8?t=T", "YES")]
    subs = [m for m in master.media if m.type == "SUBTITLES"]
    assert [(m.uri, m.language, m.name, m.default, m.forced) for m in subs] == [
        ("subs-0/index.m3u8?t=T", "en", "English", "YES", "NO"),
        ("subs-1/index.m3u8?t=T", "fr", "French (Forced)", "NO", "YES"),
        ("subs-2/index.m3u8?t=T", "fr", "French", "NO", "NO"),
        ("subs-3/index.m3u8?t=T", "en", "English (SDH)", "NO", "NO"),
        ("subs-5/index.m3u8?t=T", "de", "German", "NO", "NO")]
    assert all(m.group_id == "subs" and m.autoselect == "YES" for m in subs)
    assert "public.accessibility.transcribes-spoken-dialog" in (subs[3].characteristics or "")
    assert all(v.stream_info.subtitles == "subs" or 'SUBTITLES="subs"' in str(v)
               for v in master.playlists)
    assert text.count('SUBTITLES="subs"') == 2


def test_a_subtitle_playlist_has_one_webvtt_segment_per_timeline_span() -> None:
    playlist = m3u8.loads(subtitle_playlist(Timeline(18.5, 6.0), token="T"))
    assert [s.uri for s in playlist.segments] == ["0.vtt?t=T", "1.vtt?t=T", "2.vtt?t=T"]
    assert [round(s.duration, 3) for s in playlist.segments] == [6.0, 6.0, 6.5]
    assert playlist.target_duration == 7 and playlist.is_endlist
