"""What the API tests share: a small prepared library, and opening a session."""

from __future__ import annotations

from typing import Any

from revenge.testing import Client
from revenge.testing.media import audio_record, unprobeable_record, video_record

# 30 s of 320x240 video, English and French sound: five 6 s segments in every rendition.
FILM = video_record("Film", languages=("en", "fr"))
OTHER = video_record("Another film", duration=12.0)
SONG = audio_record("Song", tags={"artist": "Band", "album": "Record"})
BROKEN = unprobeable_record("broken")
LIBRARY = (FILM, OTHER, SONG, BROKEN)


def open_session(user: Client, media_id: str, **options: Any) -> dict[str, Any]:
    """Open a session (asserting the 201) and return its JSON."""
    answer = user.post("/api/v1/playback/sessions", {"media_id": media_id, **options})
    assert answer.status == 201, answer.body
    doc: dict[str, Any] = answer.json()
    return doc

