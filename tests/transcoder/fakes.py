"""A Clock that also spawns fake ffmpeg processes the test drives line by line."""

from __future__ import annotations

import itertools
import signal
from typing import Any

from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import Clock
from twisted.python.failure import Failure

_pids = itertools.count(100_000)


class FakeProcess:
    """Records signals; SIGKILL ends it at once, as the kernel would."""

    def __init__(self, protocol: ProcessProtocol, args: list[str]) -> None:
        self.protocol = protocol
        self.args = args
        self.pid: int | None = next(_pids)
        self.signals: list[int] = []
        self.start = int(args[args.index("-segment_start_number") + 1])
        self._began = False
        # Killed, it is not reaped until the test says so (``crash``).
        self.lingers = False

    def signalProcess(self, signum: int) -> None:
        self.signals.append(signum)
        if signum == signal.SIGKILL and not self.lingers:
            self.crash()

    def _begin(self) -> None:
        if not self._began:
            self._began = True
            self.started(self.start)

    def finished(self, index: int, *, next_at: float = 0.0) -> None:
        """ffmpeg reports segment ``index`` ended and the next one started (at ``next_at``)."""
        self._begin()
        self.protocol.errReceived(
            f"[segment @ 0x1] segment:'/w/{index}.ts' count:1 ended\n"
            f"[segment @ 0x1] Opening '/w/{index + 1}.ts' for writing\n"
            f"[segment @ 0x1] segment:'/w/{index + 1}.ts' starts with packet stream:0 "
            f"pts:1 pts_time:{next_at}\n".encode())

    def started(self, index: int, at: float = 0.0) -> None:
        """ffmpeg wrote the first packet of segment ``index`` (at ``at`` seconds)."""
        self._began = True
        self.protocol.errReceived(
            f"[segment @ 0x1] segment:'/w/{index}.ts' starts with packet stream:0 pts:1 "
            f"pts_time:{at}\n".encode())

    def ended_only(self, index: int) -> None:
        """Only the "ended" line: the file is not closed yet."""
        self._begin()
        self.protocol.errReceived(f"[segment @ 0x1] segment:'/w/{index}.ts' count:1 ended\n"
                                  .encode())

    def exit(self) -> None:
        """A clean exit."""
        self._begin()
        self._end(Failure(ProcessDone(0)))

    def crash(self, message: str = "Error while decoding stream") -> None:
        """Dies (killed or failed)."""
        self.protocol.errReceived(f"[h264 @ 0x1] {message}\n".encode())
        self._end(Failure(ProcessTerminated(signal=signal.SIGKILL)))

    def _end(self, reason: Failure) -> None:
        if self.pid is not None:
            self.pid = None
            self.protocol.processEnded(reason)


class FakeReactor(Clock):
    """``IReactorTime`` and a fake ``spawnProcess``."""

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[FakeProcess] = []

    def spawnProcess(self, protocol: ProcessProtocol, executable: str,
                     args: list[str], env: Any = None, path: Any = None) -> FakeProcess:
        process = FakeProcess(protocol, list(args))
        protocol.makeConnection(process)
        self.processes.append(process)
        return process

    @property
    def last(self) -> FakeProcess:
        """The process spawned last."""
        return self.processes[-1]
