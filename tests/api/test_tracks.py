"""Audio and subtitle tracks through the API: the media JSON lists them, sessions choose
them (or the user's preferred languages do), the master playlist offers them, subtitle
renditions are served as segmented WebVTT, whole tracks download, picture subtitles burn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import m3u8
import pytest

from revenge.store.records import MediaRecord, Sidecar
from revenge.testing import AppHarness, Client
from revenge.testing.media import video_record
from tests.api.support import open_session

SUBTITLES = """WEBVTT

1
00:00:02.000 --> 00:00:04.500
Bonjour

2
00:00:05.000 --> 00:00:07.250
Ça <i>chevauche</i> deux segments

3
00:00:25.000 --> 00:00:27.000
Au revoir
"""


@pytest.fixture
def film(tmp_path: Path) -> MediaRecord:
    """English, French and German sound; an English mov_text and a PGS track; a French
    sidecar (a WebVTT file, read as it is)."""
    sidecar = tmp_path / "Film.fr.vtt"
    sidecar.write_text(SUBTITLES)
    record = video_record("Film", languages=("en", "fr", "de"),
                          subtitles=(("mov_text", "en"), ("hdmv_pgs_subtitle", "en")))
    stat = sidecar.stat()
    return attrs.evolve(record, sidecars=(Sidecar(str(sidecar), stat.st_size,
                                                  stat.st_mtime_ns),))


@pytest.fixture
def harness(film: MediaRecord) -> AppHarness:
    return AppHarness(records=(film,))


def _master(user: Client, session: dict[str, Any]) -> m3u8.M3U8:
    answer = user.get(session["master_url"])
    assert answer.status == 200, answer.body
    return m3u8.loads(answer.body.decode())


def _defaults(master: m3u8.M3U8, kind: str) -> list[str]:
    return [m.language for m in master.media if m.type == kind and m.default == "YES"]


def test_the_media_lists_its_audio_and_subtitle_tracks(film: MediaRecord, alice: Client
                                                       ) -> None:
    doc = alice.get(f"/api/v1/media/{film.id}").json()
    assert [(t["track"], t["language"], t["label"], t["default"])
            for t in doc["audio_tracks"]] == [(0, "en", "English", True),
                                              (1, "fr", "French", False),
                                              (2, "de", "German", False)]
    subtitles = doc["subtitle_tracks"]
    assert [(t["track"], t["codec"], t["language"], t["text"], t["source"])
            for t in subtitles] == [(0, "mov_text", "en", True, "embedded"),
                                    (1, "hdmv_pgs_subtitle", "en", False, "embedded"),
                                    (2, "webvtt", "fr", True, "sidecar")]
    assert subtitles[1]["url"] is None  # a picture has no text to download
    assert subtitles[2]["url"].startswith(f"/api/v1/media/{film.id}/subtitles/2.vtt?t=")


def test_the_master_offers_every_track_and_starts_with_the_chosen_audio(
    harness: AppHarness, film: MediaRecord, alice: Client
) -> None:
    session = open_session(alice, film.id, audio_track=1)
    assert session["audio_track"] == 1
    master = _master(alice, session)
    assert _defaults(master, "AUDIO") == ["fr"]
    subtitles = [(m.language, m.name, m.uri.split("?")[0]) for m in master.media
                 if m.type == "SUBTITLES"]
    assert subtitles == [("en", "English", "subs-0/index.m3u8"),
                         ("fr", "French", "subs-2/index.m3u8")]
    assert all('SUBTITLES="subs"' in str(v) for v in master.playlists)
    # The chosen audio is the one warmed for the player's first request.
    assert {p for _, p, _ in harness.transcoder.calls} >= {"audio-1"}
    assert "audio-0" not in {p for _, p, _ in harness.transcoder.calls}


def test_preferred_languages_choose_the_tracks_of_the_next_session(
    film: MediaRecord, alice: Client
) -> None:
    answer = alice.fetch("PATCH", "/api/v1/me/preferences",
                         json={"audio_language": "ger", "subtitle_language": "fre"})
    assert answer.status == 200 and answer.json() == {
        "audio_language": "de", "subtitle_language": "fr", "subtitle_mode": "auto"}
    # Only what a request names changes; null clears.
    alice.fetch("PATCH", "/api/v1/me/preferences", json={"audio_language": None})
    assert alice.get("/api/v1/me").json()["preferences"] == {
        "audio_language": None, "subtitle_language": "fr", "subtitle_mode": "auto"}
    alice.fetch("PATCH", "/api/v1/me/preferences", json={"audio_language": "de"})
    master = _master(alice, open_session(alice, film.id))
    # German sound, and French subtitles shown because the sound is not French.
    assert (_defaults(master, "AUDIO"), _defaults(master, "SUBTITLES")) == (["de"], ["fr"])
    # Subtitles turned off stay off in the next stream.
    alice.fetch("PATCH", "/api/v1/me/preferences", json={"subtitle_mode": "off"})
    master = _master(alice, open_session(alice, film.id))
    assert (_defaults(master, "AUDIO"), _defaults(master, "SUBTITLES")) == (["de"], [])


@pytest.mark.parametrize(("body", "code"), [
    ({"audio_language": "klingon!"}, "bad_field"),
    ({"subtitle_language": 7}, "bad_field"),
    ({"subtitle_mode": "sometimes"}, "bad_field"),
])
def test_bad_preferences_are_refused(alice: Client, body: dict[str, Any], code: str) -> None:
    answer = alice.fetch("PATCH", "/api/v1/me/preferences", json=body)
    assert (answer.status, answer.json()["error"]["code"]) == (400, code)


@pytest.mark.parametrize(("options", "code"), [
    ({"audio_track": 3}, "unknown_audio_track"),
    ({"subtitle_track": 3}, "unknown_subtitle_track"),
    ({"audio_track": -1}, "bad_field"),
    ({"burn_subtitles": True}, "bad_burn"),
    ({"burn_subtitles": True, "subtitle_track": 0}, "bad_burn"),  # text: the player shows it
    ({"burn_subtitles": "yes", "subtitle_track": 1}, "bad_field"),
])
def test_track_choices_the_media_cannot_meet_are_refused(
    film: MediaRecord, alice: Client, options: dict[str, Any], code: str
) -> None:
    answer = alice.post("/api/v1/playback/sessions", {"media_id": film.id, **options})
    assert (answer.status, answer.json()["error"]["code"]) == (400, code)


def test_a_burned_picture_subtitle_is_a_transcode_of_its_own(
    harness: AppHarness, film: MediaRecord, alice: Client
) -> None:
    plain = open_session(alice, film.id)
    burned = open_session(alice, film.id, subtitle_track=1, burn_subtitles=True)
    assert (plain["burned_subtitle"], burned["burned_subtitle"]) == (None, 1)
    assert plain["transcode_id"] != burned["transcode_id"]
    request = harness.transcoder.transcodes[burned["transcode_id"]]
    pgs = film.probe.streams[5]
    assert request.video and all(p.burn_subtitle == pgs.index and p.codec == "h264"
                                 for p in request.video)
    assert [s.index for s in request.source.subtitles] == [pgs.index]
    # The plain stream remuxes its top variant; a remux cannot draw.
    assert harness.transcoder.transcodes[plain["transcode_id"]].video[0].codec == "copy"


def test_a_subtitle_rendition_is_segmented_webvtt_on_the_video_timeline(
    film: MediaRecord, alice: Client
) -> None:
    session = open_session(alice, film.id)
    base = session["master_url"].rsplit("/", 1)[0]
    token = session["master_url"].split("?t=")[1]
    playlist = alice.get(f"{base}/subs-2/index.m3u8?t={token}")
    assert playlist.status == 200
    segments = m3u8.loads(playlist.body.decode()).segments
    assert [s.uri for s in segments] == [f"{n}.vtt?t={token}" for n in range(5)]
    first, second, last = (alice.get(f"{base}/subs-2/{n}.vtt?t={token}") for n in (0, 1, 4))
    assert first.header("Content-Type") == "text/vtt; charset=utf-8"
    body = first.body.decode()
    # MPEG-TS timestamps of timeline 0: 1.4 s at 90 kHz.
    assert body.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n")
    assert "00:00:02.000 --> 00:00:04.500\nBonjour" in body
    # A cue across a boundary is in both segments, at its own times.
    assert "00:00:05.000 --> 00:00:07.250" in body
    assert "00:00:05.000 --> 00:00:07.250" in second.body.decode()
    assert "Bonjour" not in second.body.decode()
    assert "Au revoir" in last.body.decode()
    assert alice.get(f"{base}/subs-1/0.vtt?t={token}").status == 404  # a picture track
    assert alice.get(f"{base}/subs-2/5.vtt?t={token}").status == 404  # past the end
    assert alice.get(f"{base}/subs-2/0.vtt?t=forged").status == 403


def test_a_whole_subtitle_track_downloads_as_webvtt(film: MediaRecord, harness: AppHarness,
                                                    alice: Client) -> None:
    doc = alice.get(f"/api/v1/media/{film.id}").json()
    url = doc["subtitle_tracks"][2]["url"]
    anonymous = harness.anonymous  # a <track> element sends no bearer token: the URL signs
    answer = anonymous.get(url)
    assert answer.status == 200
    text = answer.body.decode()
    assert text.startswith("WEBVTT") and "X-TIMESTAMP-MAP" not in text
    assert text.count("-->") == 3
    path = url.split("?")[0]
    assert anonymous.get(path).status == 401
    assert alice.get(path.replace("2.vtt", "1.vtt")).status == 409  # a picture track
    assert alice.get(path.replace("2.vtt", "9.vtt")).status == 404
