"""``/api/v1/me``: who the bearer token belongs to (the web front end shows admins more),
and ``/api/v1/me/preferences``: the languages their players start in."""

from __future__ import annotations

from typing import Any

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.body import field, json_body
from revenge.api.errors import ApiError, json_response
from revenge.api.routing import route
from revenge.library.languages import bcp47
from revenge.store.interface import IStore
from revenge.store.records import SUBTITLE_MODES, Preferences


def install(app: Klein, *, auth: Authenticator, store: IStore) -> None:
    """Add the routes."""

    @route(app, "/api/v1/me")
    async def me(request: IRequest) -> bytes:
        user = await auth.user(request)
        preferences = await store.preferences(user.id)
        return json_response(request, {"id": user.id, "name": user.name,
                                       "is_admin": user.is_admin,
                                       "preferences": preferences.to_json()})

    @route(app, "/api/v1/me/preferences", methods=("PUT", "PATCH"))
    async def set_preferences(request: IRequest) -> bytes:
        """Set the languages (null clears one) and the subtitle mode named in the body;
        others stay."""
        user = await auth.user(request)
        doc = json_body(request)
        now = await store.preferences(user.id)
        preferences = Preferences(
            audio_language=_language(doc, "audio_language", now.audio_language),
            subtitle_language=_language(doc, "subtitle_language", now.subtitle_language),
            subtitle_mode=_subtitle_mode(doc) if "subtitle_mode" in doc else now.subtitle_mode)
        await store.save_preferences(user.id, preferences)
        return json_response(request, preferences.to_json())


def _subtitle_mode(doc: dict[str, Any]) -> str:
    mode: str = field(doc, "subtitle_mode", str, default="auto")  # null: back to auto
    if mode not in SUBTITLE_MODES:
        raise ApiError(400, "bad_field",
                       f"subtitle_mode must be one of {', '.join(SUBTITLE_MODES)}")
    return mode


def _language(doc: dict[str, Any], name: str, now: str | None) -> str | None:
    """A language tag from the body (``fre``, ``fr``, ``pt_BR``), normalised; null for none;
    ``now`` when the body does not name it."""
    if name not in doc:
        return now
    value = field(doc, name, str)
    if value is None or value == "":
        return None
    tag = bcp47(value)
    if tag is None or len(value) > 35:
        raise ApiError(400, "bad_field", f"{name} must be a language tag such as 'en' or 'fr'")
    return tag
