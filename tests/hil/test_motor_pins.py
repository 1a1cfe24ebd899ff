"""The motor pins really switch when the alerts say so (loopback jumpers, hw/loopback.md).

With ``--hardware`` on a Pi: the real GPIO. Everywhere else: gpiozero's MockFactory with mock
jumpers, which also proves that the check catches a pin that does not switch.
"""

from __future__ import annotations

import pytest
from tests.hil.test_scenarios import replay

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.devices.loopback import JUMPERS, check_motor_pins
from rearguard.devices.testing import loopback_rig, mock_factory

pytestmark = pytest.mark.hil


@pytest.fixture(scope="module")
def commands(assets):
    detector = open_detector(load_config(None).detector, board_profile("pi4"))
    _, result = replay("approach_two_women", detector)
    assert result.commands
    return result.commands


def test_motor_pins_switch_when_the_alerts_say(commands, hardware, capsys):
    motors = load_config(None).haptics.motors
    if hardware:
        result = check_motor_pins(commands, motors)
    else:
        factory = mock_factory()
        loopback_rig(factory, JUMPERS)
        result = check_motor_pins(commands, motors, pin_factory=factory)
    with capsys.disabled():
        late = sorted(result.late_ms)
        print(f"\n  motor loopback ({'GPIO' if hardware else 'MockFactory'}): {result.checked} "
              f"commands, pin switched after {late[len(late) // 2]:.2f} ms median, "
              f"{late[-1]:.2f} ms max")
    assert result.passed, result.missed


def test_a_pin_that_does_not_switch_is_caught(commands, hardware):
    if hardware:
        pytest.skip("needs the mock jumpers")
    factory = mock_factory()
    loopback_rig(factory, {12: 5, 13: 16})  # the centre motor's jumper is missing
    result = check_motor_pins(commands, load_config(None).haptics.motors, JUMPERS,
                              pin_factory=factory)
    assert not result.passed
