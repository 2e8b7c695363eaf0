"""Readers that stop: a client that takes no more bytes, and a stopped ffmpeg (what a paused
Blackbeard encoder is), are cut off after the write timeout and their file is closed; a
reader that is slow but keeps reading is not."""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import pytest

from revenge.ffmpeg import ffmpeg_binary
from tests.hostile.client import (
    Listener,
    MiB,
    Reader,
    Response,
    RssWatch,
    Target,
    open_files,
    poll,
    served_promptly,
)
from tests.hostile.conftest import TIMEOUT

pytestmark = pytest.mark.slow


def test_a_stalled_reader_is_cut_off_and_its_file_closed(target: Target,
                                                         listener: Listener) -> None:
    with RssWatch(target.pid) as watch, listener.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(listener.request(listener.file))
        assert sock.recv(65536)  # the head and a little of the body; then nothing
        stopped = time.monotonic()
        poll(lambda: open_files(target.pid, target.path), within=5, what="the file open")
        served_promptly(target)
        poll(lambda: not open_files(target.pid, target.path), within=TIMEOUT * 4,
             what="the stalled reader to be cut off")
        held = time.monotonic() - stopped
    assert held >= TIMEOUT * 0.9, held  # not before the write timeout
    assert "it took no byte for" in target.server.log()
    assert watch.growth < 8 * MiB, watch.growth


def test_a_slow_reader_that_keeps_reading_is_not_cut_off(target: Target,
                                                         listener: Listener) -> None:
    # 8 KiB every 20 ms (~400 KB/s) frees socket buffer space too slowly to make the
    # server's socket writable within the timeout; its acknowledgements count as progress.
    with listener.connect() as sock:
        sock.sendall(listener.request(listener.file))
        taken = 0
        deadline = time.monotonic() + TIMEOUT * 3
        while time.monotonic() < deadline:
            chunk = sock.recv(8 * 1024)
            assert chunk, f"cut off after {taken} bytes"
            taken += len(chunk)
            time.sleep(0.02)  # the reader's pace, not synchronisation
        assert open_files(target.pid, target.path) == 1
    assert MiB < taken < target.size


def test_a_stopped_ffmpeg_is_cut_off_and_the_file_closed(target: Target) -> None:
    listener = target.internal
    url = f"http://127.0.0.1:{listener.port}{listener.file}"
    ffmpeg = subprocess.Popen(
        [ffmpeg_binary(), "-v", "error", "-nostdin", "-re", "-headers", listener.auth,
         "-i", url, "-map", "0", "-c", "copy", "-f", "null", "-"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: open_files(target.pid, target.path), within=10, what="ffmpeg to read")
        # Reading in real time (-re) is slow reading: past the timeout it is still served.
        time.sleep(TIMEOUT * 1.5)  # the span of normal reading, not synchronisation
        assert open_files(target.pid, target.path) and ffmpeg.poll() is None
        ffmpeg.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        poll(lambda: not open_files(target.pid, target.path), within=TIMEOUT * 5,
             what="the stopped ffmpeg to be cut off")
        assert time.monotonic() - stopped >= TIMEOUT * 0.9
        served_promptly(target)
    finally:
        ffmpeg.send_signal(signal.SIGCONT)
        ffmpeg.kill()
        ffmpeg.wait()


def test_a_hundred_stalled_readers_cost_no_memory(target: Target) -> None:
    with RssWatch(target.pid) as watch:
        socks = []
        try:
            for number in range(100):
                listener = target.listeners[number % 2]
                sock = listener.connect()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
                sock.sendall(listener.request(listener.file))
                socks.append(sock)
            poll(lambda: open_files(target.pid, target.path) == 100, within=10,
                 what="every answer to start")
            served_promptly(target)
            poll(lambda: not open_files(target.pid, target.path), within=TIMEOUT * 5,
                 what="every stalled reader to be cut off")
        finally:
            for sock in socks:
                sock.close()
    # Zero-copy: the kernel's socket buffers hold what is unsent, not the server.
    assert watch.growth < 16 * MiB, watch.growth
    answer = _ranged(target.internal, 0, 1023)
    assert answer.status == 206 and len(answer.body) == 1024


def _ranged(listener: Listener, start: int, end: int) -> Response:
    with listener.connect() as sock:
        sock.sendall(listener.request(listener.file, f"Range: bytes={start}-{end}\r\n"
                                                     "Connection: close\r\n"))
        return Reader(sock).response()
