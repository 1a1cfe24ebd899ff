"""The pattern player on PWM motors (gpiozero MockFactory): sides, preemption, one-shots,
and faults."""

from __future__ import annotations

import time

import pytest

from rearguard.config.schema import MotorConfig
from rearguard.devices.base import DeviceFault
from rearguard.devices.motors import PwmMotors
from rearguard.devices.testing import mock_factory
from rearguard.haptics.patterns import MIN_GAP_S, MIN_PULSE_S, PATTERNS
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, AlertLevel, BodySide

MOTORS = [MotorConfig("left", 12), MotorConfig("centre", 18), MotorConfig("right", 13)]


@pytest.fixture
def rig():
    factory = mock_factory()
    motors = PwmMotors(MOTORS, 200, pin_factory=factory)
    player = PatternPlayer(motors)
    pins = {m.side: factory.pin(m.pin) for m in MOTORS}
    yield player, pins
    player.close()
    motors.close()


def wait_for(condition, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.002)
    return False


def values(pin):
    return [v for _, v in pin.changes]


def test_a_warning_plays_its_rhythm_on_the_threats_side_only(rig):
    player, pins = rig
    player.play(AlertCommand(0.0, AlertLevel.WARNING, "warning", BodySide.LEFT))
    assert wait_for(lambda: len(values(pins["left"])) >= 4)  # the double tap
    assert values(pins["centre"]) == [] and values(pins["right"]) == []
    on_off = values(pins["left"])[:4]
    assert on_off == [0.8, 0.0, 0.8, 0.0]


def test_a_new_command_preempts_at_once(rig):
    player, pins = rig
    player.play(AlertCommand(0.0, AlertLevel.CAUTION, "caution", BodySide.CENTRE))
    assert wait_for(lambda: 0.55 in values(pins["centre"]))
    sent = time.monotonic()
    player.play(AlertCommand(0.0, AlertLevel.DANGER, "danger", BodySide.RIGHT))
    assert wait_for(lambda: 1.0 in values(pins["right"]))
    first_danger = next(t for t, v in pins["right"].changes if v == 1.0)
    # the caution cycle lasts 1.2 s; danger did not wait for it to end
    assert first_danger - sent < PATTERNS["caution"].duration_s / 2
    assert wait_for(lambda: pins["centre"].state == 0.0)


def test_a_one_shot_plays_over_the_loop_which_then_resumes(rig):
    player, pins = rig
    player.play(AlertCommand(0.0, AlertLevel.WARNING, "warning", BodySide.LEFT))
    assert wait_for(lambda: 0.8 in values(pins["left"]))
    player.play(AlertCommand(0.0, AlertLevel.WARNING, "fault-camera", BodySide.CENTRE))
    assert wait_for(lambda: 0.7 in values(pins["right"]))  # faults play on every motor
    fault_end = PATTERNS["fault-camera"].duration_s
    mark = len(pins["left"].changes)
    assert wait_for(lambda: 0.8 in values(pins["left"])[mark:], timeout=fault_end + 2.0)
    assert player.now_playing[0] == "warning"


def test_clear_stops_every_motor(rig):
    player, pins = rig
    player.play(AlertCommand(0.0, AlertLevel.DANGER, "danger", BodySide.CENTRE))
    assert wait_for(lambda: 1.0 in values(pins["centre"]))
    player.play(AlertCommand(0.0, AlertLevel.CLEAR, "clear", BodySide.CENTRE))
    assert wait_for(lambda: all(p.state == 0.0 for p in pins.values()))
    time.sleep(0.3)
    assert all(p.state == 0.0 for p in pins.values())


class FlakyOutput:
    """A motor driver that fails on one side (an I2C error), to see the rest keep going."""

    sides = (BodySide.LEFT, BodySide.RIGHT)

    def __init__(self):
        self.set: list[tuple[BodySide, float]] = []

    def set_intensity(self, side, intensity):
        if side is BodySide.LEFT and intensity > 0:
            raise DeviceFault("motor left", "I2C error 121")
        self.set.append((side, intensity))

    def stop_all(self):
        pass

    def close(self):
        pass


def test_a_failing_motor_is_reported_and_the_others_play_on():
    output, faults = FlakyOutput(), []
    player = PatternPlayer(output, on_fault=faults.append)
    try:
        player.play(AlertCommand(0.0, AlertLevel.DANGER, "fault-both", BodySide.CENTRE))
        assert wait_for(lambda: (BodySide.RIGHT, 0.6) in output.set)
        assert faults and faults[0].cause == "I2C error 121"
    finally:
        player.close()


def test_unknown_pattern_is_refused():
    player = PatternPlayer(FlakyOutput())
    try:
        with pytest.raises(ValueError, match="no haptic pattern named 'loud'"):
            player.play(AlertCommand(0.0, AlertLevel.DANGER, "loud"))
    finally:
        player.close()


def test_every_pattern_is_feelable():
    """Pulses and gaps of at least 100 ms: shorter ones blur together on the back."""
    for pattern in PATTERNS.values():
        for duration, intensity in pattern.steps:
            assert duration >= (MIN_PULSE_S if intensity > 0 else MIN_GAP_S), pattern.name


class RecordingOutput:
    sides = (BodySide.CENTRE,)

    def __init__(self):
        self.set: list[float] = []

    def set_intensity(self, side, intensity):
        self.set.append(intensity)

    def stop_all(self):
        pass

    def close(self):
        pass


def test_the_buzzer_takes_over_when_the_motors_fail():
    from rearguard.haptics.fallback import WithFallback

    buzzer, faults = RecordingOutput(), []
    output = WithFallback(FlakyOutput(), buzzer)
    player = PatternPlayer(output, on_fault=faults.append)
    try:
        player.play(AlertCommand(0.0, AlertLevel.DANGER, "danger", BodySide.LEFT))
        assert wait_for(lambda: buzzer.set.count(1.0) >= 2)  # the pattern goes on, audibly
        assert output.failed and len(faults) == 1  # reported once
    finally:
        player.close()
