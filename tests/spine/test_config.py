"""Configuration: the example file, and every kind of bad file giving one clear line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rearguard.cli import main
from rearguard.config import Config, ConfigError, load_config
from rearguard.config.example import example_toml

EXAMPLE = Path(__file__).parents[2] / "firmware" / "rearguard" / "config" / "example.toml"


def test_example_file_is_current_and_loads_as_the_defaults():
    assert EXAMPLE.read_text() == example_toml(), (
        "example.toml is stale: rearguard config example > firmware/rearguard/config/example.toml")
    assert load_config(EXAMPLE) == Config()


def test_example_file_names_every_setting():
    text = EXAMPLE.read_text()
    for section in dataclasses.fields(Config):
        if section.name == "source":
            continue
        value = getattr(Config(), section.name)
        cls = type(value[0]) if isinstance(value, list) else type(value)
        for f in dataclasses.fields(cls):
            assert f"{f.name} = " in text, f"{section.name}.{f.name} missing from example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rearguard.toml"
    path.write_text(text)
    return path


# Each bad file, and the words its one-line message must contain (file name is checked too).
BAD = {
    "unknown key": ("[camera]\nfsp = 20\n", "unknown key camera.fsp", "did you mean fps?"),
    "unknown section": ("[cammera]\nfps = 20\n", "unknown key cammera", "did you mean camera?"),
    "wrong type": ('[camera]\nfps = "fast"\n', "camera.fps",
                   "expected a whole number from 1 to 120, got 'fast'"),
    "bool for number": ("[alert]\nmute_s = true\n", "alert.mute_s", "got true"),
    "out of range": ("[alert]\nwarning_ttc_s = 60\n", "alert.warning_ttc_s",
                     "from 0.5 to 10, got 60"),
    "bad choice": ('[board]\nprofile = "pi3"\n', "board.profile",
                   "one of 'pi5', 'pi4', 'zero2w', 'none', got 'pi3'"),
    "pin out of range": ("[button]\npin = 40\n", "button.pin", "from 2 to 27, got 40"),
    "table for scalar": ("[mounting]\nheight_m = { value = 1 }\n", "mounting.height_m",
                         "got a table"),
    "section not a table": ("camera = 5\n", "camera", "expected a table, got 5"),
    "two devices on one pin": (
        "[button]\npin = 23\n", "button.pin",
        "GPIO 23, already used by rangefinders[0].trigger_pin"),
    "motor on a rangefinder pin": (
        "[[haptics.motors]]\nside = \"left\"\npin = 24\n", "haptics.motors[0].pin",
        "already used by rangefinders[0].echo_pin"),
    "I2C address twice": (
        '[[rangefinders]]\nname = "a"\nkind = "mb1242"\naddress = 0x5A\n'
        '[haptics]\ndriver = "drv2605"\naddress = 0x5A\n', "haptics.address",
        "got 0x5a, already used by rangefinders[0].address"),
    "pin on the I2C bus": (
        '[[rangefinders]]\nname = "a"\nkind = "mb1242"\n[button]\npin = 3\n', "button.pin",
        "already used by the I2C bus (I2C SCL)"),
    "hcsr04 without pins": (
        '[[rangefinders]]\nname = "a"\nkind = "hcsr04"\n', "rangefinders[0].trigger_pin",
        "expected a GPIO number"),
    "unknown sensor kind": (
        '[[rangefinders]]\nname = "a"\nkind = "lidar"\n', "rangefinders[0].kind",
        "one of 'hcsr04', 'mb1242', got 'lidar'"),
    "two motors on one side": (
        '[[haptics.motors]]\nside = "left"\npin = 5\n[[haptics.motors]]\nside = "left"\npin = 6\n',
        "haptics.motors[1].side", "each side once"),
    "too many motors": (
        "[haptics]\nmotors = [" + ", ".join(f'{{ side = "left", pin = {p} }}' for p in (5, 6, 7, 8))
        + "]\n", "haptics.motors", "one to three motors for driver 'pwm', got 4"),
    "not TOML": ("[camera\nfps = 2\n", "not valid TOML", ""),
    "calibrated lens without file": (
        '[camera]\nlens = "calibrated"\n', "camera.calibration_file", "rearguard calibrate"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_names_file_key_and_expectation(tmp_path, case):
    text, key, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert key in message and expected in message, message


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")


def test_cli_exits_2_with_one_line(tmp_path, capsys):
    path = write(tmp_path, "[camera]\nfps = 500\n")
    assert main(["config", "check", str(path), "--no-model"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "camera.fps" in err[0] and str(path) in err[0]


def test_cli_check_accepts_the_example(capsys):
    assert main(["config", "check", str(EXAMPLE), "--no-model"]) == 0
    assert "ok" in capsys.readouterr().out


def test_valid_overrides_are_applied(tmp_path):
    path = write(tmp_path, '[mounting]\nheight_m = 1.3\n[[rangefinders]]\nname = "front"\n'
                           'kind = "mb1242"\naddress = 0x71\n[haptics]\ndriver = "drv2605"\n')
    config = load_config(path)
    assert config.mounting.height_m == 1.3
    assert config.rangefinders[0].kind == "mb1242" and config.rangefinders[0].address == 0x71
    assert config.source == str(path)
