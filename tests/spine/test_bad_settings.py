"""Settings that used to slip through: NaN and infinity, inverted thresholds, files that are not
text, and `config check` agreeing with `run` about files and folders."""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path

import pytest

from rearguard.cli import main
from rearguard.config import Config, ConfigError, load_config


def _float_keys() -> list[tuple[str, str]]:
    """Every float setting as (section, key); list sections as their first table."""
    keys = []
    for section in dataclasses.fields(Config):
        if section.name == "source":
            continue
        value = getattr(Config(), section.name)
        cls = type(value[0]) if isinstance(value, list) else type(value)
        hints = typing.get_type_hints(cls)
        keys += [(section.name, f.name) for f in dataclasses.fields(cls)
                 if hints[f.name] is float]
    return keys


FLOAT_KEYS = _float_keys()


def _toml_with(section: str, key: str, value: str) -> str:
    if section == "rangefinders":
        return (f'[[rangefinders]]\nname = "rear"\nkind = "hcsr04"\ntrigger_pin = 23\n'
                f'echo_pin = 24\n{key} = {value}\n')
    return f"[{section}]\n{key} = {value}\n"


def _one_line_error(path: Path) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: "), message
    return message


def test_every_float_setting_is_found():
    assert len(FLOAT_KEYS) >= 25  # the schema has this many numbers a typo could break
    assert ("haptics", "max_intensity") in FLOAT_KEYS
    assert ("supervisor", "camera_stale_s") in FLOAT_KEYS


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize(("section", "key"), FLOAT_KEYS)
def test_nan_and_infinity_are_rejected_for_every_float(tmp_path, section, key, value):
    path = tmp_path / "rearguard.toml"
    path.write_text(_toml_with(section, key, value))
    message = _one_line_error(path)
    assert f"{key}: expected" in message and "finite" in message, message


ORDER = {
    "danger ttc above warning": ("[alert]\ndanger_ttc_s = 3.0\n", "alert.danger_ttc_s",
                                 "at most alert.warning_ttc_s (2.5), got 3"),
    "warning ttc above caution": ("[alert]\nwarning_ttc_s = 5.0\n", "alert.warning_ttc_s",
                                  "at most alert.caution_ttc_s (4)"),
    "warning distance above caution": ("[alert]\nwarning_distance_m = 8.0\n",
                                       "alert.warning_distance_m",
                                       "at most alert.caution_distance_m (6)"),
    "danger range above warning distance": (
        "[alert]\ndanger_range_m = 3.5\nwarning_distance_m = 3.0\n", "alert.danger_range_m",
        "at most alert.warning_distance_m (3)"),
    "danger range beyond the sensor": (
        '[alert]\ndanger_range_m = 2.0\n[[rangefinders]]\nname = "r"\nkind = "mb1242"\n'
        'max_distance_m = 1.5\n', "alert.danger_range_m",
        "at most rangefinders[0].max_distance_m (1.5)"),
    "rated voltage above overdrive": ("[haptics]\nrated_voltage_v = 4.0\n",
                                      "haptics.rated_voltage_v",
                                      "at most haptics.overdrive_voltage_v (3.3)"),
    "detect stream wider than main": ("[camera]\nwidth = 320\n", "camera.detect_width",
                                      "at most camera.width (320), got 640"),
    "free space above quota": ("[recording]\nmin_free_mb = 500\nmax_total_mb = 100\n",
                               "recording.min_free_mb", "at most recording.max_total_mb"),
}


@pytest.mark.parametrize("case", sorted(ORDER))
def test_threshold_order_is_checked(tmp_path, case):
    text, key, expected = ORDER[case]
    path = tmp_path / "rearguard.toml"
    path.write_text(text)
    message = _one_line_error(path)
    assert key in message and expected in message, message


def test_binary_garbage_is_one_line(tmp_path, capsys):
    path = tmp_path / "rearguard.toml"
    path.write_bytes(bytes(range(256)) * 4)
    assert "not text" in _one_line_error(path)
    assert main(["config", "check", str(path), "--no-model"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_folder_is_one_line(tmp_path, capsys):
    assert "is a folder" in _one_line_error(tmp_path)
    assert main(["run", "--simulate", "--config", str(tmp_path), "--seconds", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: cannot make one unreadable")
def test_an_unreadable_file_is_one_line(tmp_path):
    path = tmp_path / "rearguard.toml"
    path.write_text("[camera]\nfps = 20\n")
    path.chmod(0)
    assert "permission denied" in _one_line_error(path)


def test_an_unreadable_file_is_one_line_as_any_user(tmp_path, monkeypatch):
    """As root (the CI container) chmod cannot stop a read: make open() fail as it would."""
    path = tmp_path / "rearguard.toml"
    path.write_text("[camera]\nfps = 20\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "open", denied)
    assert "permission denied" in _one_line_error(path)


def test_an_empty_file_says_the_defaults_are_used(tmp_path, caplog, capsys):
    path = tmp_path / "rearguard.toml"
    path.write_text("# nothing yet\n")
    assert load_config(path) == Config()
    assert "empty: the built-in defaults are used" in caplog.text
    assert main(["config", "check", str(path), "--no-model"]) == 0


def test_check_fails_like_run_on_a_missing_calibration_file(tmp_path, capsys):
    path = tmp_path / "rearguard.toml"
    path.write_text(f'[camera]\nlens = "calibrated"\n'
                    f'calibration_file = "{tmp_path / "lens.toml"}"\n')
    assert main(["config", "check", str(path), "--no-model"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "camera.calibration_file" in err[0] and "lens.toml" in err[0]
    assert main(["run", "--simulate", "--config", str(path), "--seconds", "1"]) == 2


def test_check_warns_about_an_unusable_recording_folder(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = tmp_path / "rearguard.toml"
    path.write_text(f'[recording]\nenabled = true\ndir = "{blocker / "sessions"}"\n')
    assert main(["config", "check", str(path), "--no-model"]) == 0  # run survives it too
    out = capsys.readouterr().out
    assert "recording.dir" in out and "not a folder" in out and "without recording" in out
