"""HC-SR04 on gpiozero's MockFactory, with pins that play echo pulses for given distances."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from rearguard.devices.base import DeviceFault
from rearguard.devices.hcsr04 import ECHO_QUIET_S, HCSR04
from rearguard.devices.testing import hcsr04_rig, mock_factory


@pytest.fixture
def rig():
    factory = mock_factory()
    trigger = hcsr04_rig(factory, 23, 24)
    sensor = HCSR04("rear", 23, 24, max_distance_m=4.0, pin_factory=factory)
    yield sensor, trigger
    sensor.close()


@pytest.mark.parametrize("distance", [0.05, 0.1, 0.5, 1.0, 2.0, 3.0, 3.99])
def test_readings_within_a_centimetre_from_5_cm_to_4_m(rig, distance):
    sensor, trigger = rig
    trigger.distance_m = distance
    reading = sensor.measure()
    assert reading.sensor == "rear"
    assert reading.distance_m == pytest.approx(distance, abs=0.01)


def test_each_reading_is_stamped_when_it_was_taken(rig):
    sensor, _trigger = rig
    times = [sensor.measure().t for _ in range(3)]
    assert times == sorted(times) and times[0] < times[-1]


def test_nothing_in_range_is_no_echo_within_the_timeout(rig):
    sensor, trigger = rig
    trigger.distance_m = None  # the module's 38 ms "nothing there" pulse
    assert sensor.measure().distance_m is None
    trigger.distance_m = 5.0  # beyond max_distance_m
    assert sensor.measure().distance_m is None


def test_a_stuck_echo_line_is_a_fault(rig):
    sensor, trigger = rig
    trigger.mode = "stuck"
    assert sensor.measure().distance_m is None  # the first ping leaves it high...
    with pytest.raises(DeviceFault, match="echo line stuck high"):
        sensor.measure()  # ...and the next finds it still high


def test_a_silent_module_is_a_fault_after_a_few_pings(rig):
    sensor, trigger = rig
    trigger.mode = "dead"
    for _ in range(4):
        assert sensor.measure().distance_m is None
    with pytest.raises(DeviceFault, match="no answer to 5 pings"):
        sensor.measure()
    trigger.mode = "ok"
    trigger.distance_m = 1.0
    assert sensor.measure().distance_m == pytest.approx(1.0, abs=0.01)  # it recovers


class LoggedEvent(threading.Event):
    """The driver's "answered" event, logging when the echo came back."""

    def __init__(self, name: str, log: list):
        super().__init__()
        self.name, self.log = name, log

    def set(self) -> None:
        self.log.append((time.monotonic(), self.name, "answer"))
        super().set()


def test_several_modules_never_ping_together():
    """Two HC-SR04s measured from two threads: each ping is answered before the other module
    pings, and the other waits ECHO_QUIET_S after it (gpiozero's ECHO_LOCK, plus the fade)."""
    factory = mock_factory()
    log: list = []
    sensors = []
    for name, (trig, echo) in {"left": (23, 24), "right": (5, 6)}.items():
        hcsr04_rig(factory, trig, echo, 2.0)
        sensor = HCSR04(name, trig, echo, pin_factory=factory)
        sensor._answered = LoggedEvent(name, log)
        on = sensor._trigger.on
        sensor._trigger.on = lambda on=on, name=name: (log.append((time.monotonic(), name,
                                                                   "ping")), on())
        sensors.append(sensor)
    try:
        threads = [threading.Thread(target=lambda s=s: [s.measure() for _ in range(4)])
                   for s in sensors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for sensor in sensors:
            sensor.close()
    events = sorted(log)
    assert [e[2] for e in events] == ["ping", "answer"] * 8  # never two pings in the air
    pings = [e for e in events if e[2] == "ping"]
    for (t0, a, _), (t1, b, _) in itertools.pairwise(pings):
        if a != b:
            assert t1 - t0 >= ECHO_QUIET_S - 1e-3
    assert {e[1] for e in pings} == {"left", "right"}


def test_a_new_near_echo_asks_for_a_quick_follow_up_ping_then_a_faster_rate(rig):
    sensor, trigger = rig
    period = 1 / 15
    trigger.distance_m = None
    sensor.measure()
    assert sensor.next_interval_s(period) == period  # nothing there: the configured rate
    trigger.distance_m = 0.8
    sensor.measure()
    # A new near echo: ping again once its echo (4.7 ms at 0.8 m) is back, plus a guard.
    assert sensor.next_interval_s(period) == pytest.approx(2 * 0.8 / 343 + 0.005, abs=1e-3)
    sensor.measure()
    assert sensor.next_interval_s(period) == pytest.approx(0.03)  # confirmed near: ~33 Hz
    trigger.distance_m = 3.0
    sensor.measure()
    sensor.measure()
    assert sensor.next_interval_s(period) == period  # far again: back to the base rate
