"""One typed, validated configuration object, built from TOML and command-line options."""

from revenge.config.load import ConfigError, load_config
from revenge.config.model import Config

__all__ = ["Config", "ConfigError", "load_config"]
