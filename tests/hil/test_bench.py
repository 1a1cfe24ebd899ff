"""The HIL bench beyond the motors (hw/loopback.md): HC-SR04 echo loopback, button loopback,
I2C probe and a one-frame camera grab.

With ``--hardware`` on a Pi: the real GPIO, I2C bus and camera. Without it: gpiozero's
MockFactory with mock jumpers and the fake I2C bus, including a jumper missing that must fail.
The camera grab has no stand-in here (tests/devices/test_camera.py covers the driver): it skips
without hardware, saying why.
"""

from __future__ import annotations

import pytest

from rearguard.config import load_config
from rearguard.config.pins import default_wiring
from rearguard.devices.loopback import check_button_loopback, check_echo_loopback, probe_i2c
from rearguard.devices.testing import (
    FakeDRV2605L,
    FakeMB1242,
    FakeSMBus,
    loopback_rig,
    mock_factory,
)

pytestmark = pytest.mark.hil

WIRING = default_wiring()
BENCH = WIRING.loopback


def _mock_bench(*, echo_jumper: bool = True) -> object:
    factory = mock_factory()
    jumpers = {WIRING.trigger: BENCH.hcsr04_trigger_sense, BENCH.button_drive: WIRING.button}
    if echo_jumper:
        jumpers[BENCH.hcsr04_echo_drive] = WIRING.echo
    loopback_rig(factory, jumpers)
    return factory


def _factory(hardware: bool, **kwargs) -> object | None:
    return None if hardware else _mock_bench(**kwargs)


@pytest.mark.parametrize("distance_m", [0.5, 2.0])
def test_hcsr04_reads_the_distance_the_bench_answers(hardware, distance_m, capsys):
    result = check_echo_loopback(WIRING.trigger, WIRING.echo, BENCH.hcsr04_trigger_sense,
                                 BENCH.hcsr04_echo_drive, distance_m,
                                 pin_factory=_factory(hardware))
    with capsys.disabled():
        print(f"\n  echo loopback ({'GPIO' if hardware else 'MockFactory'}) at {distance_m} m: "
              f"read {_cm(result.readings)} cm, sent {_cm(sum(s) / 2 for s in result.sent_m)} cm")
    assert result.passed, result.readings


def _cm(values) -> str:
    return " ".join("-" if v is None else f"{v * 100:.1f}" for v in values)


def test_a_missing_echo_jumper_is_caught(hardware):
    if hardware:
        pytest.skip("needs the mock jumpers")
    result = check_echo_loopback(WIRING.trigger, WIRING.echo, BENCH.hcsr04_trigger_sense,
                                 BENCH.hcsr04_echo_drive, 1.0, pings=3,
                                 pin_factory=_mock_bench(echo_jumper=False))
    assert not result.passed
    assert result.readings == [None, None, None]


def test_button_reports_a_short_then_a_long_press(hardware):
    # The configured hold time on the Pi; a shorter one on mock pins keeps the suite quick.
    long_press_s = load_config(None).button.long_press_s if hardware else 0.4
    presses = check_button_loopback(WIRING.button, BENCH.button_drive, long_press_s,
                                    pin_factory=_factory(hardware))
    assert presses == ["short", "long"]


def _configured_i2c(config) -> dict[int, str]:
    found = {r.address: "mb1242" for r in config.rangefinders if r.kind == "mb1242"}
    if config.haptics.driver == "drv2605":
        found[config.haptics.address] = "drv2605"
    return found


def test_i2c_addresses_answer(hardware):
    if hardware:
        config = load_config(None)
        wanted = _configured_i2c(config)
        if not wanted:
            pytest.skip("the default config has no I2C device (HC-SR04 and GPIO motors)")
        from smbus2 import SMBus

        with SMBus(WIRING.i2c_bus) as bus:
            found = probe_i2c(bus, wanted)
    else:
        bus = FakeSMBus({WIRING.mb1242_address: FakeMB1242()})
        parts = {WIRING.mb1242_address: "mb1242", WIRING.drv2605_address: "drv2605"}
        found = probe_i2c(bus, parts)
        assert found[WIRING.drv2605_address] is not None  # nothing there: caught
        bus.chips[WIRING.drv2605_address] = FakeDRV2605L()
        found = probe_i2c(bus, parts)
    assert all(why is None for why in found.values()), found


def test_camera_grabs_one_frame(hardware):
    if not hardware:
        pytest.skip("needs a camera module: run with --hardware on a Pi (hw/loopback.md)")
    from rearguard.devices.factory import open_camera

    camera = open_camera(load_config(None))
    try:
        frame = camera.read()
    finally:
        camera.close()
    assert frame is not None and frame.image.size > 0
