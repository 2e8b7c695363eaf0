"""``twistd blackbeard``: discoverable, its options checked, its service tree built."""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.application.service import IServiceCollection, IServiceMaker
from twisted.plugin import getPlugins
from twisted.python import usage

from revenge.transcoder import BlackbeardService
from revenge.transcoder.tap import Options, makeService


def test_the_plugin_is_found() -> None:
    names = {maker.tapname for maker in getPlugins(IServiceMaker)}
    assert "blackbeard" in names


def test_options_build_the_transcoder_and_its_listener(tmp_path: Path) -> None:
    # ``usage.Options`` is untyped.
    options = Options()  # type: ignore[no-untyped-call]
    options.parseOptions(["--listen", "tcp:0:interface=127.0.0.1",  # type: ignore[no-untyped-call]
                          "--work-dir", str(tmp_path / "w"), "--max-encoders", "2"])
    root = makeService(options)
    (blackbeard,) = list(IServiceCollection(root))
    assert isinstance(blackbeard, BlackbeardService)
    assert blackbeard.transcoder.max_encoders == 2
    assert blackbeard.transcoder.work_dir == (tmp_path / "w").resolve()


@pytest.mark.parametrize("bad", [["--max-encoders", "0"], ["--threads", "0"],
                                 ["--max-encoders", "many"]])
def test_bad_options_are_usage_errors(bad: list[str]) -> None:
    with pytest.raises(usage.UsageError):
        Options().parseOptions(bad)  # type: ignore[no-untyped-call]
