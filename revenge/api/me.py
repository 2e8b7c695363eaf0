"""``GET /api/v1/me``: who the bearer token belongs to (the web front end shows admins more)."""

from __future__ import annotations

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.errors import json_response
from revenge.api.routing import route


def install(app: Klein, *, auth: Authenticator) -> None:
    """Add the route."""

    @route(app, "/api/v1/me")
    async def me(request: IRequest) -> bytes:
        user = await auth.user(request)
        return json_response(request, {"id": user.id, "name": user.name,
                                       "is_admin": user.is_admin})
