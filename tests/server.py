"""Run the real ``twistd revenge`` (or ``twistd blackbeard``) as a child process for a test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TWISTD = str(Path(sys.executable).with_name("twistd"))
# Children import this checkout, not whatever copy of Revenge the venv has installed.
REPOSITORY = str(Path(__file__).resolve().parents[1])


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "it") -> Any:
    """Poll ``condition`` until it returns something truthy, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Response:
    """A finished HTTP response: status, headers, body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    method: str, url: str, *, body: Any = None, headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Response:
    """One HTTP request with urllib; an error status is a Response, not an exception."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())


def admin_token(data_dir: Path, name: str = "tester", *, admin: bool = True) -> str:
    """Create a user in ``data_dir``'s database (as ``revenge-admin`` does) and a token."""
    from revenge.admin import run

    run(["--data-dir", str(data_dir), "user", "add", name, *(["--admin"] if admin else [])])
    return run(["--data-dir", str(data_dir), "token", "create", name]).split()[0]


class Server:
    """A ``twistd -n PLUGIN`` child on a free loopback port, its output kept in a file.

    With ``token``, requests made through ``get``/``post``/``delete`` carry it as a bearer.
    """

    def __init__(self, workdir: Path, args: Iterable[str], *, plugin: str = "revenge",
                 token: str | None = None) -> None:
        self.token = token
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{plugin}-{self.port}.log"
        self.args = [TWISTD, "-n", "--pidfile=", plugin,
                     "--listen", f"tcp:{self.port}:interface=127.0.0.1", *args]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, ready_path: str = "/healthz") -> Server:
        workdir = self.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.args, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": REPOSITORY},
        )

        def answering() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log()}")
            try:
                return http("GET", self.base + ready_path, timeout=1).status == 200
            except OSError:
                return False

        try:
            wait_for(answering, what="the server to answer")
        except BaseException:
            self.stop(signal.SIGKILL)
            raise
        return self

    def url(self, path: str) -> str:
        return self.base + path

    def _auth(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return {**kwargs, "headers": headers}

    def get(self, path: str, **kwargs: Any) -> Response:
        return http("GET", self.url(path), **self._auth(kwargs))

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        body = body if body is not None else {}
        return http("POST", self.url(path), body=body, **self._auth(kwargs))

    def delete(self, path: str, **kwargs: Any) -> Response:
        return http("DELETE", self.url(path), **self._auth(kwargs))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal the server and return its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
