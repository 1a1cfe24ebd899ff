"""Write the documented example configuration from the schema itself.

``config/example.toml`` is this module's output, committed so a maker can read it on GitHub;
a test fails when the two differ. Regenerate it with
`rearguard config example > firmware/rearguard/config/example.toml`.
"""

from __future__ import annotations

import dataclasses
import textwrap
import typing
from typing import Any

from rearguard.config.schema import Config

HEADER = """\
# Rearguard configuration: every setting, at its default value.
#
# Copy this file to /etc/rearguard/rearguard.toml (the service reads it from there) and change
# what differs on your device. Check a file with `rearguard config check FILE`: a wrong key or
# value is reported with the file, the key and what was expected, before anything starts.
# GPIO numbers are BCM numbers (GPIO 18 is physical pin 12).
"""


def config_table(config: Config) -> dict[str, Any]:
    """The config as plain TOML data (for a recording's meta.toml), unset values left out."""
    table = dataclasses.asdict(config)
    table.pop("source")
    return _without_none(table)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def example_toml() -> str:
    lines = [HEADER]
    defaults = Config()
    for f in dataclasses.fields(Config):
        if f.name == "source":
            continue
        value = getattr(defaults, f.name)
        if isinstance(value, list):
            for item in value:
                lines.append(f"[[{f.name}]]")
                _fields(item, lines)
        else:
            lines.append(f"[{f.name}]")
            _fields(value, lines)
    return "\n".join(lines).rstrip() + "\n"


def _fields(section: Any, lines: list[str]) -> None:
    hints = typing.get_type_hints(type(section))
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        doc = f.metadata.get("doc", "")
        for line in textwrap.wrap(doc, 94):
            lines.append(f"# {line}")
        if isinstance(value, list):  # nested array of tables: show each as an inline table
            items = ", ".join("{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in
                                               dataclasses.asdict(i).items()) + " }"
                              for i in value)
            lines.append(f"{f.name} = [{items}]")
        elif value is None:
            kind = "GPIO number" if "pin" in f.name else typing.get_args(hints[f.name])[0].__name__
            lines.append(f"# {f.name} = <{kind}>  (unset)")
        else:
            lines.append(f"{f.name} = {_toml(value, f.name)}")
    lines.append("")


def _toml(value: Any, name: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int) and name == "address":
        return f"0x{value:02X}"
    return repr(value)
