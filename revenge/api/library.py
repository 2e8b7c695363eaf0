"""The organised library: ``/api/v1/library/continue`` and ``/next`` (what a user is
watching), ``/series`` (→ seasons → episodes) and ``/albums`` (→ tracks)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.auth import Authenticator
from revenge.api.errors import ApiError, json_response
from revenge.api.routing import int_arg, route
from revenge.api.views import MediaViews
from revenge.artwork.service import ArtworkService
from revenge.library.catalog import Catalog, Entry
from revenge.library.shelves import Album, Series, albums_of, series_of
from revenge.library.watching import continue_watching, next_episodes
from revenge.store.accounts import User
from revenge.store.interface import IStore
from revenge.store.records import MediaRecord, Progress

HISTORY = 500  # resume positions looked at for "continue watching" and "next episode"


def _pictured(album: Album) -> MediaRecord:
    """The track whose cover stands for the album: the first with a picture in it, else the
    first (whose cover may be a picture beside it)."""
    return next((t.record for t in album.tracks if t.record.probe.cover is not None),
                album.tracks[0].record)


def series_json(views: MediaViews, series: Series, *, seasons: bool,
                positions: dict[str, float] | None = None) -> dict[str, Any]:
    """A series as the API shows it; with its seasons and episodes if ``seasons``."""
    episodes = series.episodes
    doc: dict[str, Any] = {
        "id": series.id, "title": series.title, "year": series.year,
        "season_count": len([s for s in series.seasons if s.number]),
        "episode_count": len(episodes),
        "first_episode_id": episodes[0].record.id,
        "poster_url": views.poster_url(episodes[0].record),
    }
    if seasons:
        doc["seasons"] = [
            {"number": s.number, "title": f"Season {s.number}" if s.number else "Specials",
             "episodes": [views.one(e.record, (positions or {}).get(e.record.id))
                          for e in s.episodes]}
            for s in series.seasons]
    return doc


def album_json(views: MediaViews, album: Album, *, tracks: bool,
               covered: set[str]) -> dict[str, Any]:
    """An album as the API shows it (a cover URL if ``covered`` names the track whose
    cover stands for it); with its tracks if ``tracks``."""
    pictured = _pictured(album)
    doc: dict[str, Any] = {
        "id": album.id, "title": album.title, "artist": album.artist, "year": album.year,
        "track_count": len(album.tracks),
        "cover_url": views.cover_url(pictured) if pictured.id in covered else None,
        "duration": sum(t.record.probe.duration or 0.0 for t in album.tracks),
    }
    if tracks:
        doc["tracks"] = [views.one(t.record) for t in album.tracks]
    return doc


def install(app: Klein, *, catalog: Catalog, views: MediaViews, store: IStore,
            auth: Authenticator, artwork: ArtworkService) -> None:
    """Add the organised library's routes."""
    _install_watching(app, catalog=catalog, views=views, store=store, auth=auth)
    _install_groups(app, catalog=catalog, views=views, store=store, auth=auth)
    _install_albums(app, catalog=catalog, views=views, auth=auth, artwork=artwork)


_Group = TypeVar("_Group", Series, Album)


def _found(groups: Iterable[_Group], group_id: str, what: str) -> _Group:
    """The series or album ``group_id`` of ``groups``, or a 404 naming ``what``."""
    found = next((g for g in groups if g.id == group_id), None)
    if found is None:
        raise ApiError(404, f"{what}_not_found", f"no {what} with this id")
    return found


async def _organised(auth: Authenticator, catalog: Catalog,
                     request: IRequest) -> tuple[User, tuple[Entry, ...]]:
    """The caller, and the organised library brought up to date (new names are parsed off
    the reactor)."""
    user = await auth.user(request)
    await catalog.refreshed()
    return user, catalog.entries()


def _install_watching(app: Klein, *, catalog: Catalog, views: MediaViews, store: IStore,
                      auth: Authenticator) -> None:
    async def history(request: IRequest) -> tuple[int, Sequence[Progress]]:
        """How many items the caller asks for, and what they watched lately."""
        user, _ = await _organised(auth, catalog, request)
        limit = int_arg(request, "limit", default=20, low=1, high=100)
        return limit, await store.recent_progress(user.id, HISTORY)

    @route(app, "/api/v1/library/continue")
    async def watching(request: IRequest) -> bytes:
        """What the user started and did not finish, most recently watched first."""
        limit, watched = await history(request)
        found = continue_watching(catalog, watched)[:limit]
        return json_response(request, {"items": [views.one(w.entry.record, w.position)
                                                 for w in found]})

    @route(app, "/api/v1/library/next")
    async def up_next(request: IRequest) -> bytes:
        """For each series the user watches, the episode after the last one finished."""
        limit, watched = await history(request)
        found = next_episodes(series_of(catalog.entries()), watched, catalog)[:limit]
        return json_response(request, {"items": [views.one(e.record) for e in found]})


def _install_groups(app: Klein, *, catalog: Catalog, views: MediaViews, store: IStore,
                    auth: Authenticator) -> None:
    @route(app, "/api/v1/library/series")
    async def all_series(request: IRequest) -> bytes:
        """Every series, by title."""
        _, entries = await _organised(auth, catalog, request)
        return json_response(request, {"items": [series_json(views, s, seasons=False)
                                                 for s in series_of(entries)]})

    @route(app, "/api/v1/library/series/<string:series_id>")
    async def one_series(request: IRequest, series_id: str) -> bytes:
        """A series with its seasons and their episodes, in order."""
        user, entries = await _organised(auth, catalog, request)
        found = _found(series_of(entries), series_id, "series")
        positions = await store.progress(user.id)
        return json_response(request, series_json(views, found, seasons=True,
                                                  positions=positions))


def _install_albums(app: Klein, *, catalog: Catalog, views: MediaViews, auth: Authenticator,
                    artwork: ArtworkService) -> None:
    @route(app, "/api/v1/library/albums")
    async def all_albums(request: IRequest) -> bytes:
        """Every album, by artist and title."""
        _, entries = await _organised(auth, catalog, request)
        albums = albums_of(entries)
        covered = await artwork.covered([_pictured(a) for a in albums])
        return json_response(request, {"items": [album_json(views, a, tracks=False,
                                                            covered=covered)
                                                 for a in albums]})

    @route(app, "/api/v1/library/albums/<string:album_id>")
    async def one_album(request: IRequest, album_id: str) -> bytes:
        """An album with its tracks, by disc and number."""
        _, entries = await _organised(auth, catalog, request)
        found = _found(albums_of(entries), album_id, "album")
        covered = await artwork.covered([_pictured(found)])
        return json_response(request, album_json(views, found, tracks=True, covered=covered))
