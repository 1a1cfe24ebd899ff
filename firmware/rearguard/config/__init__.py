"""Configuration: the schema (plain dataclasses) and the checking loader."""

from rearguard.config.loader import ConfigError, load_config, parse_config
from rearguard.config.schema import Config

__all__ = ["Config", "ConfigError", "load_config", "parse_config"]
