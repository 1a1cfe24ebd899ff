"""`rearguard check` and the device factory, on the stand-ins and on a machine without them."""

from __future__ import annotations

import json
import time

import pytest

from rearguard.cli import main
from rearguard.config import parse_config
from rearguard.devices.button import PauseButton
from rearguard.devices.factory import open_devices, simulation
from rearguard.devices.testing import FakeDRV2605L, mock_factory
from rearguard.messages import BodySide


def test_check_simulate_finds_everything(assets, capsys):
    assert main(["check", "--simulate"]) == 0
    out = capsys.readouterr().out
    for device in ("camera", "model", "rangefinder rear (hcsr04)", "haptics (pwm)", "button"):
        line = next(row for row in out.splitlines() if row.strip().startswith(device))
        assert " yes " in line, line
    assert "2.50 m" in out and "buzzed left, centre, right" in out


def test_check_simulate_json_parses(assets, capsys):
    assert main(["check", "--simulate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["on"] == "simulated stand-ins"
    rows = {row["device"]: row for row in report["devices"]}
    assert rows["rangefinder rear (hcsr04)"]["reading"] == "2.50 m"
    assert all(row["found"] for row in rows.values())
    assert rows["model"]["latency_ms"] > 0


def test_check_here_says_plainly_what_is_missing(assets, capsys):
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "picamera2 is not installed" in out
    assert "no GPIO here" in out
    assert out.strip().splitlines()[-1].startswith("missing: camera, rangefinder rear")


def test_simulated_i2c_devices_open_through_the_same_drivers(tmp_path):
    config = parse_config({
        "rangefinders": [{"name": "front", "kind": "mb1242", "address": 0x71}],
        "haptics": {"driver": "drv2605", "actuator": "lra"},
        "button": {"pin": 5},
    })
    sim = simulation(config)
    with open_devices(config, sim=sim) as devices:
        assert devices.rangefinders[0].measure().distance_m == 2.5
        chip: FakeDRV2605L = sim.bus.chips[0x5A]
        assert chip.registers[0x18] == 0x0D  # auto-calibrated at open
        devices.haptics.set_intensity(BodySide.CENTRE, 1.0)
        assert chip.played[-1] == ("rtp", 255)
        assert devices.camera.read().image.shape == (720, 1280, 3)  # far view on: main stream
    assert sim.camera.closed  # the block's end closed every device...
    PauseButton(5, pin_factory=sim.pins).close()  # ...and freed the button's pin


def test_a_driver_in_a_with_block_frees_its_pins_even_on_error():
    factory = mock_factory()
    with pytest.raises(RuntimeError), PauseButton(26, pin_factory=factory):
        raise RuntimeError("a failed start")
    PauseButton(26, pin_factory=factory).close()  # the pin is free again


def test_button_short_and_long_press():
    factory = mock_factory()
    button = PauseButton(26, long_press_s=0.05, pin_factory=factory)
    presses = []
    button.on_press(presses.append)
    pin = factory.pin(26)
    pin.drive_low()
    pin.drive_high()  # released before hold_time: short
    pin.drive_low()
    time.sleep(0.3)  # held past hold_time: long
    pin.drive_high()
    button.close()
    assert presses == ["short", "long"]


def test_piezo_buzzer_sounds_above_half_strength():
    from rearguard.devices.buzzer import PiezoBuzzer

    factory = mock_factory()
    buzzer = PiezoBuzzer(17, pin_factory=factory)
    pin = factory.pin(17)
    buzzer.set_intensity(BodySide.CENTRE, 0.8)
    assert pin.state == 1
    buzzer.set_intensity(BodySide.CENTRE, 0.3)
    assert pin.state == 0
    buzzer.close()
