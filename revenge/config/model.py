"""The configuration's shape: one frozen section class per TOML table.

Every field carries its bounds in ``metadata`` (read by ``revenge.config.load``), so a value
is validated where it is declared. ``etc/revenge.toml`` documents each key with its default.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import attrs

from revenge.blackbeard.timeline import bootstrap_fits


def setting(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    pattern: str | None = None,
) -> Any:
    """A config field with its default and the bounds a loaded value must respect."""
    return attrs.field(default=default, metadata={"low": low, "high": high, "choices": choices,
                                                  "pattern": pattern})


def node_default() -> str:
    """The host's name as a header value and label may carry it (at most 63 characters)."""
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in socket.gethostname())
    return name.strip("-.")[:63] or "revenge"


@attrs.frozen
class ServerConfig:
    """Listeners, data directory, logging and shutdown."""

    listen: tuple[str, ...] = setting(("tcp:8080:interface=127.0.0.1",))
    internal_listen: str = setting("tcp:0:interface=127.0.0.1")
    # How Blackbeard reaches the internal listener; derived from its bound port when empty.
    internal_url: str = setting("")
    data_dir: str = setting("")
    log_format: str = setting("text", choices=("text", "json"))
    shutdown_grace: float = setting(4.0, low=0.0, high=60.0)
    connection_timeout: float = setting(30.0, low=1.0, high=3600.0)
    # A response the client takes no byte of for this long is cut off (stalled readers).
    write_timeout: float = setting(60.0, low=0.5, high=3600.0)
    cors: bool = setting(True)
    log_internal_requests: bool = setting(False)
    # Log every segment served; off, only those a player waited for the transcoder to make.
    log_segments: bool = setting(False)
    # This node's name in X-Revenge-Node, the metrics' node label and logs; empty: host name.
    node_name: str = setting("", pattern=r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,62})?$")

    @property
    def node(self) -> str:
        """The node's name: configured, else the host's name."""
        return self.node_name or node_default()


@attrs.frozen
class StoreConfig:
    """Where the database is: empty, SQLite in the data directory; else a PostgreSQL URL
    (``postgresql://user:password@host:5432/db``) that every node of a cluster shares."""

    url: str = setting("", pattern=r"^((postgres|postgresql)://\S*)?$")


@attrs.frozen
class LibraryConfig:
    """Where the media is and how it is scanned."""

    media: tuple[str, ...] = setting(())
    scan_on_start: bool = setting(True)
    extensions: tuple[str, ...] = setting(
        (".mp4", ".m4v", ".mkv", ".mov", ".webm", ".avi", ".ts", ".mpg", ".mpeg", ".wmv",
         ".flv", ".vob", ".m2ts", ".mts", ".m2t", ".3gp", ".3g2", ".ogv", ".asf", ".divx",
         ".f4v", ".rm", ".rmvb", ".dv", ".mxf", ".mka", ".mp3", ".m4a", ".m4b", ".aac",
         ".flac", ".ogg", ".oga", ".opus", ".wav", ".wma", ".aiff", ".aif", ".ac3", ".dts",
         ".mp2", ".ape", ".wv")
    )
    probe_threads: int = setting(2, low=1, high=32)


@attrs.frozen
class FfmpegConfig:
    """Which ffmpeg runs: empty means the one imageio-ffmpeg ships."""

    binary: str = setting("")


@attrs.frozen
class BlackbeardConfig:
    """The transcoders: external Blackbeards at ``urls`` (and ``url``), else the embedded
    one."""

    url: str = setting("", pattern=r"^(https?://\S+)?$")
    urls: tuple[str, ...] = setting((), pattern=r"^https?://\S+$")
    max_encoders: int = setting(4, low=1, high=64)
    encoder_threads: int = setting(2, low=1, high=64)

    @property
    def external(self) -> tuple[str, ...]:
        """Every external Blackbeard's base URL, once each, ``url`` first (empty: embedded)."""
        given = ((self.url,) if self.url else ()) + self.urls
        return tuple(dict.fromkeys(u.rstrip("/") for u in given))


@attrs.frozen
class StreamConfig:
    """Serving original files (range requests)."""

    max_ranges: int = setting(16, low=1, high=1000)


@attrs.frozen
class PlaybackConfig:
    """Sessions, segments and the per-transcode buffer."""

    # Segments of a copied (remuxed) video and of sound alone; the keyframes of a source are
    # checked against this grid for a remux.
    segment_duration: float = setting(6.0, low=1.0, high=30.0)
    # Segments of a transcode whose every video is encoded: a seek waits for one to be made.
    transcode_segment_duration: float = setting(2.0, low=1.0, high=30.0)
    # The first segment of a timeline is cut this often: a sooner first frame (where it is
    # shorter than that timeline's segments; a copied video's only where its keyframes fall
    # on the cuts, which probes check).
    bootstrap_duration: float = setting(2.0, low=0.0, high=30.0)
    buffer_ahead: int = setting(8, low=1, high=64)
    prefetch: int = setting(3, low=0, high=32)
    min_ready: int = setting(2, low=0, high=16)
    idle_timeout: float = setting(1800.0, low=10.0, high=7 * 86400.0)
    url_ttl: float = setting(43200.0, low=60.0, high=30 * 86400.0)
    remux: bool = setting(True)
    max_sessions_per_user: int = setting(4, low=1, high=1000)
    session_grace: float = setting(120.0, low=0.0, high=86400.0)

    def __attrs_post_init__(self) -> None:
        if self.bootstrap_duration and not bootstrap_fits(self.segment_duration,
                                                          self.bootstrap_duration):
            raise ValueError("bootstrap_duration must divide segment_duration (or be 0)")
        if 0 < self.bootstrap_duration < self.transcode_segment_duration and not bootstrap_fits(
                self.transcode_segment_duration, self.bootstrap_duration):
            raise ValueError("bootstrap_duration must divide transcode_segment_duration "
                             "(or be 0, or at least as long)")


@attrs.frozen
class CacheConfig:
    """The transcode cache shared by all sessions."""

    max_bytes: int = setting(0, low=0, high=2**50)
    high_water: float = setting(0.8, low=0.1, high=1.0)
    critical: float = setting(0.95, low=0.1, high=1.0)
    min_retention: float = setting(30.0, low=0.0, high=86400.0)


@attrs.frozen
class SubtitlesConfig:
    """Text subtitles extracted from media files, cached on disk."""

    cache_bytes: int = setting(256 * 1024 * 1024, low=1024 * 1024, high=2**50)
    max_extractions: int = setting(2, low=1, high=32)
    stall_timeout: float = setting(60.0, low=1.0, high=3600.0)


@attrs.frozen
class ArtworkConfig:
    """Posters and scrubbing thumbnails, made by ffmpeg in the background (niced)."""

    # Make them for the whole library after each scan; off: only when first asked for.
    background: bool = setting(True)
    poster_jobs: int = setting(1, low=1, high=16)
    thumbnail_jobs: int = setting(1, low=1, high=16)


@attrs.frozen
class WebConfig:
    """The built-in web player."""

    hls_js_url: str = setting("https://cdn.jsdelivr.net/npm/hls.js@1/dist/hls.min.js",
                              pattern=r"^(https?://[^\s\"'<>]+|/[^/\s\"'<>][^\s\"'<>]*)$")


@attrs.frozen
class Config:
    """Everything Revenge is configured with; ``source`` names the file it came from."""

    server: ServerConfig = attrs.field(factory=ServerConfig)
    store: StoreConfig = attrs.field(factory=StoreConfig)
    library: LibraryConfig = attrs.field(factory=LibraryConfig)
    ffmpeg: FfmpegConfig = attrs.field(factory=FfmpegConfig)
    stream: StreamConfig = attrs.field(factory=StreamConfig)
    blackbeard: BlackbeardConfig = attrs.field(factory=BlackbeardConfig)
    playback: PlaybackConfig = attrs.field(factory=PlaybackConfig)
    cache: CacheConfig = attrs.field(factory=CacheConfig)
    subtitles: SubtitlesConfig = attrs.field(factory=SubtitlesConfig)
    artwork: ArtworkConfig = attrs.field(factory=ArtworkConfig)
    web: WebConfig = attrs.field(factory=WebConfig)
    source: str = "defaults"

    @property
    def data_path(self) -> Path:
        """The data directory: configured, else the per-user data directory."""
        if self.server.data_dir:
            return Path(self.server.data_dir).expanduser()
        import platformdirs

        return Path(platformdirs.user_data_dir("revenge", appauthor=False))
