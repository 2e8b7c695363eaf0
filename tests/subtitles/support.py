"""What the subtitle tests share: a reactor that counts the processes it spawns, media
records made the way a scan makes them, and small ffmpeg-made files with one SRT track."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from twisted.internet import reactor as _reactor
from twisted.internet.interfaces import IProcessProtocol, IProcessTransport, IReactorProcess
from zope.interface import implementer

from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.library.scan import walk_roots
from revenge.store.records import MediaRecord, ProbeResult, StreamInfo

REACTOR: Any = _reactor
EXTENSIONS = (".mkv", ".mp4", ".ts")


@implementer(IReactorProcess)
class CountingProcesses:
    """The real reactor's ``spawnProcess``, remembering each command it ran."""

    def __init__(self) -> None:
        self.spawned: list[list[str]] = []

    def spawnProcess(
        self, processProtocol: IProcessProtocol, executable: bytes | str,
        args: Sequence[bytes | str] = (), env: Mapping[Any, Any] | None = None,
        path: bytes | str | None = None, uid: int | None = None, gid: int | None = None,
        usePTY: bool = False, childFDs: Mapping[int, object] | None = None,
    ) -> IProcessTransport:
        self.spawned.append([str(a) for a in args])
        transport: IProcessTransport = REACTOR.spawnProcess(
            processProtocol, executable, args, env, path, uid, gid, usePTY, childFDs)
        return transport

    def inputs(self) -> list[str]:
        """The file each command read (its ``-i``), in order."""
        return [argv[argv.index("-i") + 1] for argv in self.spawned]

    def maps(self) -> list[list[str]]:
        """The streams each command extracted (its ``-map``s), in order."""
        return [[argv[i + 1] for i, a in enumerate(argv) if a == "-map"]
                for argv in self.spawned]


def scanned(directory: Path) -> dict[str, MediaRecord]:
    """The records a scan of ``directory`` makes (probe and sidecars), by file name."""
    records = {}
    for found in walk_roots([str(directory)], EXTENSIONS):
        probe = probe_file(Path(found.path), segment_duration=6.0)
        records[os.path.basename(found.path)] = MediaRecord(
            found.id, found.path, found.root, found.size, found.mtime_ns,
            os.path.basename(found.path), probe, found.sidecars)
    return records


def on_disk(path: Path, streams: Sequence[StreamInfo]) -> MediaRecord:
    """A record for whatever ``path`` is (a broken file, a FIFO), said to hold ``streams``."""
    st = os.stat(path)
    return MediaRecord(f"id-{path.name}", str(path), str(path.parent), st.st_size,
                       st.st_mtime_ns, path.name, ProbeResult(streams=tuple(streams)))


SRT_STREAM = StreamInfo(index=1, kind="subtitle", codec="subrip", text=True)


def srt_clip(path: Path, cues: Sequence[tuple[float, float, str]], *,
             extra: Sequence[str] = ()) -> Path:
    """A 10 s, 64x36 video: stream 0 video, stream 1 a text track holding ``cues`` (SRT,
    or what ``extra`` options make of it)."""
    srt = path.with_suffix(".input.srt")
    srt.write_text("".join(
        f"{i + 1}\n{_clock(start)} --> {_clock(end)}\n{text}\n\n"
        for i, (start, end, text) in enumerate(cues)), encoding="utf-8")
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=5:duration=10", "-i", str(srt),
         "-map", "0:v", "-map", "1", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:s", "srt", *extra, str(path)], check=True, timeout=120, capture_output=True)
    srt.unlink()
    return path


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    return (f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:"
            f"{millis // 1000 % 60:02d},{millis % 1000:03d}")
