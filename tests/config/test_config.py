"""The config object: defaults, the documented file, and one clear error per bad value."""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs
import pytest

from revenge.config import Config, ConfigError, load_config

ETC = Path(__file__).resolve().parents[2] / "etc" / "revenge.toml"


def test_documented_file_holds_every_setting_at_its_default() -> None:
    documented = tomllib.loads(ETC.read_text())
    config = Config()
    for section in attrs.fields(Config):
        if section.name == "source":
            continue
        names = {f.name for f in attrs.fields(type(getattr(config, section.name)))}
        assert set(documented[section.name]) == names, section.name
    assert attrs.evolve(load_config(ETC), source="defaults") == config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "revenge.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nlisten = 'tcp:80'\n", "[server] listen: expected a list"),
        ("[server]\nbogus = 1\n", "unknown key [server] bogus"),
        ("[nope]\n", "unknown section [nope]"),
        ("[library]\nprobe_threads = 0\n", "[library] probe_threads: 0 is out of range"),
        ("[library]\nprobe_threads = true\n", "[library] probe_threads: expected int"),
        ("[server]\nlog_format = 'xml'\n", "'xml' is not one of text, json"),
        ("[server]\nshutdown_grace = 'soon'\n", "[server] shutdown_grace: expected float"),
        ("[server\n", "not valid TOML"),
        ("server = 3\n", "[server] must be a table"),
        ("[web]\nhls_js_url = 'javascript:alert(1)'\n", "[web] hls_js_url: 'javascript"),
        ("[blackbeard]\nurl = 'ftp://x'\n", "[blackbeard] url: 'ftp://x' is not a valid"),
        ("[blackbeard]\nurls = ['http://a:1', '']\n", "[blackbeard] urls[1]: '' is not a valid"),
        ("[blackbeard]\nurls = 'http://a:1'\n", "[blackbeard] urls: expected a list"),
        ("[server]\nnode_name = 'a b'\n", "[server] node_name: 'a b' is not a valid"),
        ("[playback]\nsegment_duration = 5.0\n",
         "[playback] bootstrap_duration must divide segment_duration"),
        ("[playback]\nbootstrap_duration = -1\n", "[playback] bootstrap_duration: -1"),
        ("[playback]\ntranscode_segment_duration = 5.0\n",
         "[playback] bootstrap_duration must divide transcode_segment_duration"),
    ],
)
def test_bad_values_name_the_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_options_override_the_file_and_are_validated(tmp_path: Path) -> None:
    path = _write(tmp_path, "[server]\nlog_format = 'json'\nshutdown_grace = 2\n")
    config = load_config(path, {"server": {"log_format": "text"}})
    assert config.server.log_format == "text"
    assert config.server.shutdown_grace == 2.0
    with pytest.raises(ConfigError, match="command line: \\[server\\] log_format"):
        load_config(path, {"server": {"log_format": "yaml"}})


def test_bootstrap_segments_are_on_by_default_and_can_be_turned_off(tmp_path: Path) -> None:
    assert load_config().playback.bootstrap_duration == 2.0
    assert load_config().playback.transcode_segment_duration == 2.0
    off = load_config(_write(tmp_path, "[playback]\nsegment_duration = 5.0\n"
                                       "bootstrap_duration = 0\n"))
    assert (off.playback.segment_duration, off.playback.bootstrap_duration) == (5.0, 0.0)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_data_path_defaults_to_a_per_user_directory() -> None:
    assert Config().data_path.name == "revenge"
    configured = load_config(None, {"server": {"data_dir": "/srv/revenge"}})
    assert configured.data_path == Path("/srv/revenge")


def test_a_single_url_and_a_pool_of_urls_make_one_list(tmp_path: Path) -> None:
    assert Config().blackbeard.external == ()
    path = _write(tmp_path, "[blackbeard]\nurl = 'http://a:1/'\n"
                            "urls = ['http://b:2', 'http://a:1']\n")
    assert load_config(path).blackbeard.external == ("http://a:1", "http://b:2")


def test_the_command_lines_pool_and_node_replace_the_files(tmp_path: Path) -> None:
    from revenge.tap import Options

    path = _write(tmp_path, "[blackbeard]\nurl = 'http://a:1'\n[server]\nnode_name = 'x'\n")
    options = Options()
    options.parseOptions(["--blackbeard-url", "http://b:2", "--blackbeard-url", "http://c:3",
                          "--node-name", "node-7"])  # type: ignore[no-untyped-call]
    config = load_config(path, options.overrides())
    assert config.blackbeard.external == ("http://b:2", "http://c:3")
    assert config.server.node == "node-7"
    assert load_config(None).server.node  # the host name when not set
