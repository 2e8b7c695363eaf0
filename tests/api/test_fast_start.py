"""A session starts its encoders when it opens and its playlists answer before any segment
exists; a player's jump gives up the request it left, and the fetch behind it; a seek fetches
the sound of the new position with its picture."""

from __future__ import annotations

from typing import Any

import pytest

from revenge.testing import AppHarness, Client, FakeTranscoder, segment_body
from tests.api.support import FILM, LIBRARY, open_session
from tests.fired import result_of


@pytest.fixture
def fake() -> FakeTranscoder:
    return FakeTranscoder(immediate=False)


@pytest.fixture
def viewer(fake: FakeTranscoder) -> Client:
    return AppHarness(records=LIBRARY, transcoder=fake).new_user("viewer")


def _url(session: dict[str, Any], path: str) -> str:
    base, token = str(session["master_url"]).split("/master.m3u8?t=")
    return f"{base}/{path}?t={token}"


def test_the_first_segments_are_asked_for_at_open_and_playlists_need_none(
    fake: FakeTranscoder, viewer: Client
) -> None:
    session = open_session(viewer, FILM.id, start_position=13.0)  # in segment 2
    # Before any playlist: the start variant (the first of the master) and the default
    # audio, at the session's position: their encoders start now.
    assert sorted(fake.pending()) == [("144p", "2.ts"), ("audio-0", "2.ts")]
    master = viewer.get(session["master_url"])
    assert master.status == 200 and master.body.decode().index("144p/") < \
        master.body.decode().index("source/")
    for rendition in ("144p", "source", "audio-0"):
        assert viewer.get(_url(session, f"{rendition}/index.m3u8")).status == 200
    assert sorted(fake.pending()) == [("144p", "2.ts"), ("audio-0", "2.ts")]  # none made
    # The next one is asked for once the first is answered, never before it.
    fake.answer("144p", "2.ts")
    assert sorted(fake.pending()) == [("144p", "3.ts"), ("audio-0", "2.ts")]
    first = viewer.get(_url(session, "144p/2.ts"))
    assert (first.body, first.header("X-Served-From")) == (segment_body("144p", "2.ts"),
                                                           "buffer")


def _pending(answer: Any) -> bool:
    outcome: list[Any] = []

    def keep(result: Any) -> Any:
        outcome.append(result)
        return result

    answer.addBoth(keep)
    return not outcome


def test_a_jump_gives_up_the_request_left_behind_and_its_fetch(
    fake: FakeTranscoder, viewer: Client
) -> None:
    session = open_session(viewer, FILM.id, profile="144p")
    fake.answer("144p", "0.ts")  # then 1, 2 and 3 are prefetched
    left = viewer.request("GET", _url(session, "144p/1.ts"))
    near = viewer.request("GET", _url(session, "144p/2.ts"))  # loading ahead: no jump
    assert _pending(left) and _pending(near)
    jumped = viewer.request("GET", _url(session, "144p/4.ts"))
    given_up = result_of(left)
    assert (given_up.status, given_up.error) == (409, "superseded")
    # Nobody wants 1 (nor the audio's warm-up at 0) any more: their fetches are cancelled,
    # not left to pull the encoder back there; 4 and the three after it are fetched.
    assert sorted(fake.pending()) == [("144p", f"{i}.ts") for i in range(2, 8)]
    for index in (2, 4):
        fake.answer("144p", f"{index}.ts")
    viewer.flush()
    assert result_of(near).body == segment_body("144p", "2.ts")
    assert result_of(jumped).body == segment_body("144p", "4.ts")


def test_a_seek_fetches_the_sound_with_the_picture(fake: FakeTranscoder,
                                                   viewer: Client) -> None:
    # hls.js asks for the sound of a new position only once its picture has come: fetched
    # then, the audio encoder would restart only after the video one had made a segment.
    session = open_session(viewer, FILM.id, profile="144p")
    for rendition in ("144p", "audio-0"):
        fake.answer(rendition, "0.ts")
        assert viewer.get(_url(session, f"{rendition}/0.ts")).status == 200
    picture = viewer.request("GET", _url(session, "144p/10.ts"))
    assert _pending(picture)
    assert {("144p", "10.ts"), ("audio-0", "10.ts")} <= set(fake.pending())
    # What was prefetched for the old position is let go of, sound included.
    assert not [p for p in fake.pending() if int(p[1].split(".")[0]) < 9]
    fake.answer("audio-0", "10.ts")
    sound = viewer.get(_url(session, "audio-0/10.ts"))
    assert (sound.body, sound.header("X-Served-From")) == (segment_body("audio-0", "10.ts"),
                                                           "buffer")
    fake.answer("144p", "10.ts")
    viewer.flush()
    assert result_of(picture).body == segment_body("144p", "10.ts")
