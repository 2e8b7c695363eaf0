"""The shipped ``etc/nginx-cluster.conf`` run by a real nginx before test nodes on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server import REPOSITORY, free_port, http, wait_for

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
CONF = Path(REPOSITORY) / "etc" / "nginx-cluster.conf"
SHIPPED_NODES = ("127.0.0.1:8080", "127.0.0.1:8090")


@contextmanager
def nginx_before(workdir: Path, node_ports: Sequence[int]) -> Iterator[str]:
    """The base URL of nginx with the shipped config, its two nodes' ports replaced by
    ``node_ports``; stopped afterwards. Without nginx the test skips (fails in CI)."""
    if NGINX is None:
        if os.environ.get("REVENGE_REQUIRE_NGINX"):  # CI installs it: missing is a failure
            pytest.fail("nginx is not installed")
        pytest.skip("nginx is not installed")
    port = free_port()
    text = CONF.read_text()
    assert all(text.count(node) == 2 for node in SHIPPED_NODES)
    for shipped, node_port in zip(SHIPPED_NODES, node_ports, strict=True):
        text = text.replace(shipped, f"127.0.0.1:{node_port}")
    conf = workdir / "nginx.conf"
    conf.write_text(text.replace("listen 127.0.0.1:8000", f"listen 127.0.0.1:{port}"))
    prefix = workdir / "nginx"
    prefix.mkdir()
    log_path = workdir / "nginx.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, log_path.read_text()
        try:
            return http("GET", base + "/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(answering, what="nginx to answer")
        yield base
    finally:
        process.terminate()
        process.wait(10)
