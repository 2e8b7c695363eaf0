"""The service tree of ``twistd revenge``: named children, started in order, stopped in reverse."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from klein import Klein
from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorThreads, IReactorTime

from revenge.api.app import build_api
from revenge.api.drain import DrainService
from revenge.api.internal import build_internal
from revenge.api.listener import TCPListenerService, listener
from revenge.api.segments import SegmentRoute
from revenge.api.site import RevengeSite
from revenge.artwork.service import ArtworkService
from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.interface import ITranscoder
from revenge.blackbeard.pool import BlackbeardPool
from revenge.blackbeard.service import BlackbeardHealthService, client_pool
from revenge.config import Config
from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import PyAVProbe
from revenge.library.service import LibraryService
from revenge.observability.node import node_registry
from revenge.playback.buffer import BufferPolicy
from revenge.playback.cache import TranscodeCache
from revenge.playback.cadence import Cadence
from revenge.playback.service import PlaybackService
from revenge.playback.streaming import Streaming
from revenge.playback.transcodes import TranscodeManager
from revenge.rootservice import RootService
from revenge.security.first_start import FirstStartService
from revenge.security.secrets import Secrets, load_or_create_secrets, shared_secrets
from revenge.security.signing import UrlSigner
from revenge.store.choice import blocking_connection, build_store
from revenge.store.interface import IStore
from revenge.store.service import StoreService
from revenge.subtitles.service import SubtitleService
from revenge.transcoder.app import build_app as build_transcoder_app
from revenge.transcoder.manager import TranscoderService

INTERNAL_TOKEN_HEADER = "X-Revenge-Internal-Token"


class _ProbeService(Service):
    """Stops the probe's worker threads with the server."""

    name = "probe"

    def __init__(self, probe: PyAVProbe) -> None:
        self.probe = probe

    def stopService(self) -> Deferred[None] | None:
        super().stopService()  # type: ignore[no-untyped-call]
        self.probe.stop()
        return None


def _bound_url(service: Service, configured: str, on_url: Any) -> None:
    """Call ``on_url`` with the URL of a listener: configured, or from its bound port."""
    if configured:
        on_url(configured.rstrip("/"))
    elif isinstance(service, TCPListenerService):
        service.bound.addCallback(lambda port: on_url(f"http://127.0.0.1:{port}"))
    else:
        raise ValueError("set [server] internal_url for a non-TCP internal listener")


@attrs.frozen
class PlaybackCore:
    """The playback side of a server: the transcode cache, the shared transcodes, the
    sessions (a service to start), what serves their streams, and their subtitles."""

    cache: TranscodeCache
    transcodes: TranscodeManager
    service: PlaybackService
    streaming: Streaming
    subtitles: SubtitleService


def build_subtitles(config: Config, *, reactor: Any, directory: Path | None = None,
                    threads: IReactorThreads | None = None,
                    clock: IReactorTime | None = None) -> SubtitleService:
    """The subtitle service as ``config`` sets it up, caching in ``directory`` (by default
    ``subtitles`` in the data directory); ``reactor`` runs its ffmpeg children."""
    settings = config.subtitles
    return SubtitleService(
        directory=directory if directory is not None else config.data_path / "subtitles",
        ffmpeg=ffmpeg_binary(config.ffmpeg.binary or None), reactor=reactor, threads=threads,
        clock=clock, max_bytes=settings.cache_bytes, max_extractions=settings.max_extractions,
        stall_timeout=settings.stall_timeout)


def build_artwork(config: Config, *, library: LibraryService, reactor: Any,
                  directory: Path | None = None, threads: IReactorThreads | None = None,
                  clock: IReactorTime | None = None,
                  background: bool | None = None) -> ArtworkService:
    """The artwork service as ``config`` sets it up, keeping its pictures in ``directory``
    (by default ``artwork`` in the data directory); ``reactor`` runs its ffmpeg children."""
    settings = config.artwork
    return ArtworkService(
        library=library,
        directory=directory if directory is not None else config.data_path / "artwork",
        ffmpeg=ffmpeg_binary(config.ffmpeg.binary or None), reactor=reactor,
        threads=threads if threads is not None else reactor,
        clock=clock if clock is not None else reactor,
        background=settings.background if background is None else background,
        poster_jobs=settings.poster_jobs, thumbnail_jobs=settings.thumbnail_jobs)


def build_playback(
    config: Config, *, library: LibraryService, store: IStore, transcoder: ITranscoder,
    source: Callable[[str], tuple[str, dict[str, str]]], signing_key: bytes,
    clock: IReactorTime, subtitles: SubtitleService,
) -> PlaybackCore:
    """The playback core as ``config`` sets it up, over any transcoder and store;
    ``source(media_id)`` is the URL and headers Blackbeard reads an original with.
    ``subtitles`` is started by the caller (``build_service``), and told of media gone."""
    settings = config.playback
    cache = TranscodeCache(clock=clock, max_bytes=config.cache.max_bytes or None,
                           high_water=config.cache.high_water, critical=config.cache.critical,
                           min_retention=config.cache.min_retention)
    transcodes = TranscodeManager(
        transcoder=transcoder, cache=cache, source=source,
        cadence=Cadence(settings.segment_duration, settings.transcode_segment_duration,
                        settings.bootstrap_duration),
        policy=BufferPolicy(ahead=settings.buffer_ahead, prefetch=settings.prefetch,
                            min_ready=settings.min_ready))
    playback = PlaybackService(
        library=library, store=store, transcodes=transcodes,
        signer=UrlSigner(signing_key, clock=clock, ttl=settings.url_ttl),
        clock=clock, settings=settings)
    return PlaybackCore(cache, transcodes, playback,
                        Streaming(playback=playback, transcoder=transcoder,
                                  subtitles=subtitles,
                                  log_every_segment=config.server.log_segments), subtitles)


def public_app(config: Config, *, library: LibraryService, store: IStore, core: PlaybackCore,
               artwork: ArtworkService, checks: Mapping[str, Callable[[], bool]],
               details: Mapping[str, Callable[[], Any]] | None = None) -> Klein:
    """The public Klein app as ``config`` sets it up (the segment route is the Site's);
    its metrics carry the node's name."""
    return build_api(library=library, store=store, playback_service=core.service,
                     streaming=core.streaming, subtitles=core.subtitles, artwork=artwork,
                     max_ranges=config.stream.max_ranges, hls_js_url=config.web.hls_js_url,
                     checks=checks, details=details,
                     registry=node_registry(config.server.node))


def build_service(config: Config, *, reactor: Any) -> RootService:
    """Everything ``twistd revenge`` runs, as one ``RootService``."""
    secrets = _secrets(config)
    store = build_store(config, reactor=reactor)
    probe = PyAVProbe(reactor=reactor, threads=config.library.probe_threads,
                      segment_duration=config.playback.segment_duration,
                      bootstrap_duration=config.playback.bootstrap_duration)
    library = LibraryService(store=store, probe=probe, roots=config.library.media,
                             extensions=config.library.extensions, reactor=reactor,
                             scan_on_start=config.library.scan_on_start)
    subtitles = build_subtitles(config, reactor=reactor)
    library.when_gone(subtitles.forget)
    artwork = build_artwork(config, library=library, reactor=reactor)
    children: list[Service] = [StoreService(store), FirstStartService(
        store, public_url=_public_url(config.server.listen[0])), _ProbeService(probe), library,
        subtitles, artwork]
    internal, source = _internal_listener(config, library, secrets, reactor)
    pool, transcoding = _blackbeard(config, reactor)
    children += transcoding

    core = build_playback(config, library=library, store=store, transcoder=pool,
                          source=source, signing_key=secrets.signing_key, clock=reactor,
                          subtitles=subtitles)
    children.append(core.service)

    api = public_app(config, library=library, store=store, core=core, artwork=artwork,
                     checks={"store": store.is_open, "blackbeard": lambda: pool.healthy},
                     details={"node": lambda: config.server.node,
                              "blackbeards": pool.describe})
    segments = SegmentRoute(core.streaming)
    site = RevengeSite(api.resource(), listener="public", cors=config.server.cors,
                       timeout=config.server.connection_timeout, fast_route=segments.match,
                       direct=segments.direct, node=config.server.node)
    # Players' requests are let finish; Blackbeard's reads of originals are not waited for:
    # they end only once its encoders stop, which comes after (the transcoder stops later).
    children.append(DrainService([site], grace=config.server.shutdown_grace,
                                 clock=reactor))
    children.append(internal)
    for number, endpoint in enumerate(config.server.listen):
        public = listener(endpoint, site, reactor=reactor,
                          write_timeout=config.server.write_timeout)
        public.setName(f"web-{number}")
        children.append(public)

    root = RootService(reactor=reactor)
    for child in children:
        root.addService(child)  # type: ignore[no-untyped-call]
    return root


def _secrets(config: Config) -> Secrets:
    """The node's secrets: the cluster's from a shared store (read before the reactor runs,
    as the file is), else from the data directory."""
    if config.store.url:
        with blocking_connection(config) as connection:
            return shared_secrets(connection)
    return load_or_create_secrets(config.data_path)


def _internal_listener(
    config: Config, library: LibraryService, secrets: Secrets, reactor: Any
) -> tuple[Service, Callable[[str], tuple[str, dict[str, str]]]]:
    """The listener Blackbeard reads originals from, and how to name a media's source
    (URL and header) once it is bound."""
    site = build_internal(library, token=secrets.internal_token,
                          max_ranges=config.stream.max_ranges,
                          timeout=config.server.connection_timeout,
                          log_successes=config.server.log_internal_requests,
                          node=config.server.node)
    internal = listener(config.server.internal_listen, site, reactor=reactor,
                        write_timeout=config.server.write_timeout)
    internal.setName("internal")
    internal_url: list[str] = []
    _bound_url(internal, config.server.internal_url, internal_url.append)

    def source(media_id: str) -> tuple[str, dict[str, str]]:
        return (f"{internal_url[0]}/internal/stream/{media_id}",
                {INTERNAL_TOKEN_HEADER: secrets.internal_token})

    return internal, source


def _blackbeard(config: Config, reactor: Any) -> tuple[BlackbeardPool, list[Service]]:
    """The pool of transcoders, and the services behind it: the configured Blackbeards, else
    one embedded on a loopback port of its own; then their health checks (after it, so they
    start once it listens)."""
    urls = config.blackbeard.external
    clients = [BlackbeardClient(base_url=url, reactor=reactor, rng=random.Random())
               for url in urls]
    services: list[Service] = []
    if not urls:
        embedded = BlackbeardClient(base_url="http://127.0.0.1:0", reactor=reactor,
                                    rng=random.Random(), name="embedded")
        clients.append(embedded)
        services += _embedded(config, reactor, embedded)
    pool = client_pool(clients)
    services.append(BlackbeardHealthService(pool, clients, clock=reactor))
    return pool, services


def _embedded(config: Config, reactor: Any, client: BlackbeardClient) -> list[Service]:
    """Blackbeard in this process, on a loopback port ``client`` learns once bound."""
    transcoder = TranscoderService(
        work_dir=config.data_path / "transcodes",
        ffmpeg=ffmpeg_binary(config.ffmpeg.binary or None),
        reactor=reactor, max_encoders=config.blackbeard.max_encoders,
        threads=config.blackbeard.encoder_threads)
    listening = listener("tcp:0:interface=127.0.0.1",
                         RevengeSite(build_transcoder_app(transcoder).resource(),
                                     listener="blackbeard", node=config.server.node),
                         reactor=reactor)
    listening.setName("blackbeard-web")
    _bound_url(listening, "", lambda url: setattr(client, "base_url", url))
    return [transcoder, listening]


def _public_url(endpoint: str) -> str:
    """A URL for humans from a listen endpoint such as ``tcp:8080:interface=127.0.0.1``."""
    parts = endpoint.split(":")
    port = next((p for p in parts[1:] if p.isdigit()), "8080")
    host = next((p.split("=", 1)[1] for p in parts if p.startswith("interface=")), "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"
