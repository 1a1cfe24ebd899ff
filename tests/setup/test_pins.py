"""hw/pins.toml is the one source of the default wiring; everything that repeats it agrees."""

from __future__ import annotations

import inspect

import pytest

from rearguard.config import load_config
from rearguard.config.pins import HEADER_PIN, default_wiring, parse_wiring, pins_text
from rearguard.devices import button, buzzer, drv2605, hcsr04, mb1242, motors
from rearguard.devices.loopback import JUMPERS
from tests.scripts import load_script
from tests.setup.conftest import REPO

W = default_wiring()
PINS_TOML = REPO / "hw" / "pins.toml"


def gpio(n: int) -> str:
    return f"GPIO {n} (pin {HEADER_PIN[n]})"


def test_the_package_ships_hw_pins_toml_itself():
    # config/pins.toml is a symbolic link to hw/pins.toml; a checkout or an archive that turned
    # it into a copy must still hold the same bytes.
    assert pins_text() == PINS_TOML.read_text()


def test_no_pin_is_used_twice_and_all_are_on_the_header():
    used = W.used()
    assert set(used) <= set(HEADER_PIN)
    doubled = PINS_TOML.read_text().replace("echo = 24", f"echo = {W.trigger}")
    with pytest.raises(ValueError, match=f"GPIO {W.trigger} is used twice"):
        parse_wiring(doubled).used()


def test_the_config_defaults_are_the_pin_map():
    config = load_config(None)
    (ranger,) = config.rangefinders
    assert (ranger.trigger_pin, ranger.echo_pin) == (W.trigger, W.echo)
    assert [(m.side, m.pin) for m in config.haptics.motors] == list(W.motors)
    assert config.button.pin == W.button
    assert ranger.address == W.mb1242_address and ranger.i2c_bus == W.i2c_bus
    assert config.haptics.address == W.drv2605_address
    assert W.loopback.motors == JUMPERS


def test_example_toml_carries_the_pin_map():
    text = (REPO / "firmware/rearguard/config/example.toml").read_text()
    motors = ", ".join(f'{{ side = "{side}", pin = {pin} }}' for side, pin in W.motors)
    for line in (f"trigger_pin = {W.trigger}", f"echo_pin = {W.echo}", f"motors = [{motors}]",
                 f"pin = {W.button}", f"address = 0x{W.mb1242_address:02X}",
                 f"address = 0x{W.drv2605_address:02X}"):
        assert line in text, line


def test_readme_hardware_table_carries_the_pin_map():
    text = (REPO / "README.md").read_text()
    left, centre, right = (W.motor_pin(s) for s in ("left", "centre", "right"))
    for phrase in (f"TRIG GPIO {W.trigger}, ECHO GPIO {W.echo}",
                   f"GPIO {left} (left), {centre} (centre), {right} (right)",
                   f"GPIO {W.button} to ground", f"(0x{W.mb1242_address:02X})",
                   f"(I2C 0x{W.drv2605_address:02X})"):
        assert phrase in text, phrase


def test_driver_docstrings_carry_the_pin_map():
    assert f"TRIG --> {gpio(W.trigger)}" in inspect.getdoc(hcsr04)
    assert f"--> {gpio(W.echo)}" in inspect.getdoc(hcsr04)
    text = " ".join(inspect.getdoc(motors).split())
    phrase = ", ".join(f"{side} {gpio(pin)}" for side, pin in W.motors)
    assert phrase in text, phrase
    assert gpio(W.button) in inspect.getdoc(button)
    assert f"GPIO {W.sda} / SDA (pin {HEADER_PIN[W.sda]})" in inspect.getdoc(mb1242)
    assert f"``{W.mb1242_address:x}`` (the default address" in inspect.getdoc(mb1242)
    assert f"(address 0x{W.drv2605_address:02X})" in inspect.getdoc(drv2605)
    assert "free GPIO" in inspect.getdoc(buzzer)


def test_wiring_md_carries_the_pin_map():
    text = (REPO / "hw" / "wiring.md").read_text()
    for n in (W.trigger, W.echo, W.button, W.sda, W.scl, *(pin for _, pin in W.motors)):
        assert gpio(n) in text, gpio(n)
    assert f"`trigger_pin = {W.trigger}`, `echo_pin = {W.echo}`" in text
    assert f"`[button] pin = {W.button}`" in text


def test_loopback_md_shows_the_bench_jumpers():
    text = (REPO / "hw" / "loopback.md").read_text()
    lb = W.loopback
    for motor, sense in lb.motors.items():
        assert f"| {gpio(motor)} | {gpio(sense)} |" in text, (motor, sense)
    assert f"| TRIG {gpio(W.trigger)} | {gpio(lb.hcsr04_trigger_sense)} |" in text
    assert f"| ECHO {gpio(W.echo)} | {gpio(lb.hcsr04_echo_drive)} |" in text
    assert f"| button {gpio(W.button)} | {gpio(lb.button_drive)} |" in text


def test_wiring_diagram_is_drawn_from_the_pin_map():
    module = load_script("make_wiring_diagram")
    svg = (REPO / "hw/wiring.svg").read_text()
    assert svg == module.wiring_svg(W), "run: python scripts/make_wiring_diagram.py"
    assert len(svg.encode()) < 200_000
    assert f"pin {HEADER_PIN[W.trigger]} GPIO {W.trigger}: HC-SR04 TRIG" in svg
