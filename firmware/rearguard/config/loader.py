"""Load a TOML configuration and check every value before anything starts.

A bad file gives one line naming the file, the key and what was expected, as a
:class:`ConfigError`; the command line turns it into exit status 2.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import os
import tomllib
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rearguard.config.schema import Config

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A configuration that cannot be used. The message is one line for the user."""


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or the built-in defaults when None) and check it completely."""
    if path is None:
        return Config()
    path = Path(path)
    where = str(path)
    raw = _read_toml(path, where)
    if not raw:
        # Not an error (a fresh install may ship an empty file), but never silent.
        log.warning("%s: empty: the built-in defaults are used", where)
    return parse_config(raw, where)


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    """The file's TOML table; every way a path can fail to be a readable file is one line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a folder, expected a TOML configuration file") from None
    except PermissionError:
        raise ConfigError(f"{where}: cannot be read (permission denied), expected a readable "
                          f"TOML file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not text (not UTF-8), expected a TOML file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{where}: cannot be read: {e.strerror or e}") from None


def parse_config(raw: dict[str, Any], where: str = "<config>") -> Config:
    """Build a checked :class:`Config` from a parsed TOML table."""
    config = build_table(Config, raw, where, prefix="", skip={"source"})
    config = dataclasses.replace(config, source=where)
    _check_consistency(config, where)
    return config


# --- one table against one dataclass ---------------------------------------------------------

def build_table(cls: type, table: Any, where: str, prefix: str,
                skip: frozenset | set = frozenset()) -> Any:
    """Check ``table`` against dataclass ``cls`` and build it; keys are named ``prefix``+key."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'top level'}: expected a table, "
                          f"got {_shown(table)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    hints = typing.get_type_hints(cls)
    for key in table:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {prefix}{key}: expected one of "
                              f"{', '.join(fields)}{_did_you_mean(key, fields)}")
    values = {name: _value(hints[name], f, table[name], where, prefix + name)
              for name, f in fields.items() if name in table}
    return cls(**values)


def _value(hint: Any, f: dataclasses.Field, value: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is list:
        (item_cls,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: {key}: expected a list of [[{key}]] tables, "
                              f"got {_shown(value)}")
        return [build_table(item_cls, item, where, f"{key}[{i}].") for i, item in enumerate(value)]
    if dataclasses.is_dataclass(hint):
        return build_table(hint, value, where, key + ".")
    optional = origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)
    if optional:
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
    return _scalar(hint, f.metadata, value, where, key)


def _scalar(hint: type, meta: Any, value: Any, where: str, key: str) -> Any:
    expected = _describe(hint, meta)
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[hint]
    if not ok:
        raise ConfigError(f"{where}: {key}: expected {expected}, got {_shown(value)}")
    if hint is float:
        value = float(value)
        if not math.isfinite(value):  # TOML allows nan and inf; no setting means them
            raise ConfigError(f"{where}: {key}: expected {expected} (a finite number), got "
                              f"{value!r}")
    choices, lo, hi = meta.get("choices"), meta.get("min"), meta.get("max")
    if (choices and value not in choices) or (lo is not None and value < lo) or (
            hi is not None and value > hi):
        raise ConfigError(f"{where}: {key}: expected {expected}, got {_shown(value)}")
    return value


def _describe(hint: type, meta: Any) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    noun = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}[hint]
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"{noun} from {lo:g} to {hi:g}"
    return noun


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _did_you_mean(key: str, names: Any) -> str:
    close = difflib.get_close_matches(key, list(names), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


# --- checks across sections --------------------------------------------------------------------

I2C_PINS = {2: "I2C SDA", 3: "I2C SCL"}


def _check_consistency(config: Config, where: str) -> None:
    _check_order(config, where)
    _check_rangefinders(config, where)
    _check_haptics(config, where)
    _check_pins(config, where)
    _check_i2c_addresses(config, where)
    if config.camera.lens == "calibrated" and not config.camera.calibration_file:
        raise ConfigError(f"{where}: camera.calibration_file: expected the file written by "
                          f"`rearguard calibrate` when camera.lens = 'calibrated'")


# (section, smaller key, larger key): thresholds that only make sense in this order.
ORDERED = [
    ("alert", "danger_ttc_s", "warning_ttc_s"),
    ("alert", "warning_ttc_s", "caution_ttc_s"),
    ("alert", "warning_distance_m", "caution_distance_m"),
    ("alert", "danger_range_m", "warning_distance_m"),
    ("haptics", "rated_voltage_v", "overdrive_voltage_v"),
    ("camera", "detect_width", "width"),
    ("camera", "detect_height", "height"),
    ("recording", "min_free_mb", "max_total_mb"),
]


def _check_order(config: Config, where: str) -> None:
    for section, low, high in ORDERED:
        table = getattr(config, section)
        a, b = getattr(table, low), getattr(table, high)
        if a > b:
            raise ConfigError(f"{where}: {section}.{low}: expected at most {section}.{high} "
                              f"({b:g}), got {a:g}")
    for i, r in enumerate(config.rangefinders):
        if config.alert.danger_range_m > r.max_distance_m:
            raise ConfigError(f"{where}: alert.danger_range_m: expected at most "
                              f"rangefinders[{i}].max_distance_m ({r.max_distance_m:g}), got "
                              f"{config.alert.danger_range_m:g}")


def check_paths(config: Config) -> list[str]:
    """What ``run`` needs from the filesystem, checked as ``run`` would.

    Raises ConfigError for what stops ``run`` (a calibrated lens without its file); returns
    notes for what ``run`` survives (it warns without recording when the folder is unusable).
    """
    where = config.source
    if config.camera.lens == "calibrated":
        from rearguard.config.lens import load_intrinsics

        try:
            load_intrinsics(Path(config.camera.calibration_file))
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None
        except OSError as e:
            raise ConfigError(f"{where}: camera.calibration_file: "
                              f"{config.camera.calibration_file}: cannot be read: "
                              f"{e.strerror or e}") from None
    notes = []
    if config.recording.enabled:
        problem = folder_problem(Path(config.recording.dir))
        if problem:
            notes.append(f"{where}: recording.dir: {problem}: run will warn without recording")
    return notes


def folder_problem(folder: Path) -> str | None:
    """Why sessions cannot be written under ``folder`` (None when they can)."""
    existing = folder
    while not existing.exists():  # run creates missing folders: check where it would
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable by this user"
    return None


def _check_rangefinders(config: Config, where: str) -> None:
    names = set()
    for i, r in enumerate(config.rangefinders):
        key = f"rangefinders[{i}]"
        if r.name in names:
            raise ConfigError(f"{where}: {key}.name: expected a name not used by another "
                              f"rangefinder, got {r.name!r} twice")
        names.add(r.name)
        if r.kind == "hcsr04":
            for pin in ("trigger_pin", "echo_pin"):
                if getattr(r, pin) is None:
                    raise ConfigError(f"{where}: {key}.{pin}: expected a GPIO number for an "
                                      f"hcsr04 rangefinder, got nothing")


def _check_haptics(config: Config, where: str) -> None:
    h = config.haptics
    if h.driver != "pwm":
        return
    if not 1 <= len(h.motors) <= 3:
        raise ConfigError(f"{where}: haptics.motors: expected one to three motors for driver "
                          f"'pwm', got {len(h.motors)}")
    sides = [m.side for m in h.motors]
    for i, side in enumerate(sides):
        if side in sides[:i]:
            raise ConfigError(f"{where}: haptics.motors[{i}].side: expected each side once, "
                              f"got {side!r} twice")


def _uses_i2c(config: Config) -> bool:
    return config.haptics.driver == "drv2605" or any(
        r.kind == "mb1242" for r in config.rangefinders)


def gpio_claims(config: Config) -> Iterator[tuple[int, str]]:
    """Every (GPIO, key) the configuration wires something to."""
    for i, r in enumerate(config.rangefinders):
        if r.kind == "hcsr04":
            yield r.trigger_pin, f"rangefinders[{i}].trigger_pin"
            yield r.echo_pin, f"rangefinders[{i}].echo_pin"
    if config.haptics.driver == "pwm":
        for i, m in enumerate(config.haptics.motors):
            yield m.pin, f"haptics.motors[{i}].pin"
    if config.button.pin is not None:
        yield config.button.pin, "button.pin"
    if config.buzzer.pin is not None:
        yield config.buzzer.pin, "buzzer.pin"


def _check_pins(config: Config, where: str) -> None:
    owner: dict[int, str] = {}
    if _uses_i2c(config):
        owner.update({pin: f"the I2C bus ({name})" for pin, name in I2C_PINS.items()})
    for pin, key in gpio_claims(config):
        if pin in owner:
            raise ConfigError(f"{where}: {key}: expected a GPIO pin no other device uses, "
                              f"got GPIO {pin}, already used by {owner[pin]}")
        owner[pin] = key


def _check_i2c_addresses(config: Config, where: str) -> None:
    owner: dict[tuple[int, int], str] = {}
    claims = [((r.i2c_bus, r.address), f"rangefinders[{i}].address")
              for i, r in enumerate(config.rangefinders) if r.kind == "mb1242"]
    if config.haptics.driver == "drv2605":
        claims.append(((config.haptics.i2c_bus, config.haptics.address), "haptics.address"))
    for (bus, address), key in claims:
        if (bus, address) in owner:
            raise ConfigError(f"{where}: {key}: expected an I2C address no other device on bus "
                              f"{bus} uses, got 0x{address:02x}, already used by "
                              f"{owner[(bus, address)]}")
        owner[(bus, address)] = key
