"""The HC-SR04 trace: geometry first (cone, 4 m limit, nearest surface), then the sensor's
noise and dropouts."""

from __future__ import annotations

import math

from rearguard.synth.ranger import DROPOUT, Beam, Target, echo_distance, range_trace
from rearguard.synth.scene import Runner, SceneObject

STILL = Runner(speed_mps=0.0, bounce_m=0.0, pitch_wobble_deg=0.0, sway_m=0.0, roll_deg=0.0)


def thing(distance: float, lateral: float = 0.0, *, speed: float = 0.0, path: str = "static",
          oid: int = 1) -> SceneObject:
    return SceneObject(oid, "person", "person", "", 0, None, 1.75, 0.5, distance, lateral, path,
                       ((0.0, speed),))


def echo(objects: list[SceneObject], t: float = 0.0, runner: Runner = STILL) -> float | None:
    targets = [Target(i, 0.5, 1.75) for i in range(len(objects))]
    return echo_distance(Beam(), runner, targets, objects, t)


def test_hears_what_is_in_the_beam_and_near():
    assert echo([thing(3.0)]) == 3.0
    assert math.isclose(echo([thing(3.9)]), 3.9)


def test_silent_beyond_4_m():
    assert echo([thing(4.05)]) is None
    assert echo([thing(10.0)]) is None


def test_silent_outside_the_beam():
    # 15 degrees full width: at 3 m the cone reaches 0.39 m to each side; the person's near
    # edge at 1.5 - 0.25 = 1.25 m is well outside it.
    assert echo([thing(3.0, lateral=1.5)]) is None
    assert echo([thing(3.0, lateral=-1.5)]) is None
    # The near edge just inside the cone: heard, a little farther than straight ahead.
    inside = echo([thing(3.0, lateral=0.6)])
    assert inside is not None and math.isclose(inside, math.hypot(3.0, 0.35))


def test_only_the_nearest_surface():
    assert echo([thing(3.5, oid=1), thing(2.0, oid=2)]) == 2.0


def test_a_low_object_under_a_narrow_beam_is_missed_near_and_heard_farther():
    dog = SceneObject(1, "dog", "dog", "", 0, None, 0.6, 0.8, 1.0, 0.0, "static", ((0.0, 0.0),))
    targets = [Target(0, 0.8, 0.6)]
    # The beam (1.1 m up, 7.5 degrees half-width) reaches 0.6 m only beyond 3.8 m.
    assert echo_distance(Beam(), STILL, targets, [dog], 0.0) is None
    far = SceneObject(1, "dog", "dog", "", 0, None, 0.6, 0.8, 3.95, 0.0, "static", ((0.0, 0.0),))
    assert echo_distance(Beam(), STILL, targets, [far], 0.0) is not None


def test_trace_of_an_approach_is_silent_until_4_m_then_follows_the_distance():
    runner = Runner(speed_mps=3.0)
    jogger = thing(20.0, speed=4.0, path="toward")
    readings = range_trace(Beam(), runner, [Target(0, 0.5, 1.75)], [jogger], 2.7, seed=1)
    assert 16 * 2.7 - 2 <= len(readings) <= 16 * 2.7 + 1  # ~16 Hz
    for r in readings:
        true = 20.0 - 7.0 * r.t
        if true > 4.0:
            assert r.distance_m is None, r
        elif r.distance_m is not None:
            assert r.distance_m <= 4.0
            assert abs(r.distance_m - true) < 0.05 or r.distance_m > true  # noise, or a spike
    near = [r for r in readings if 20.0 - 7.0 * r.t < 3.9]
    assert sum(r.distance_m is not None for r in near) >= 0.8 * len(near)


def test_dropouts_at_the_rate_of_the_real_logs():
    wall = thing(2.0)
    readings = range_trace(Beam(), STILL, [Target(0, 0.5, 1.75)], [wall], 120.0, seed=3)
    missing = sum(r.distance_m is None for r in readings) / len(readings)
    assert DROPOUT / 2 < missing < DROPOUT * 2
    values = [r.distance_m for r in readings if r.distance_m is not None]
    close = [v for v in values if abs(v - 2.0) < 0.05]
    spread = (sum((v - 2.0) ** 2 for v in close) / len(close)) ** 0.5
    assert 0.003 < spread < 0.015  # millimetres to a centimetre, as an HC-SR04


def test_same_seed_same_trace():
    a = range_trace(Beam(), Runner(), [Target(0, 0.5, 1.75)], [thing(6.0, speed=3, path="toward")],
                    2.0, seed=5)
    b = range_trace(Beam(), Runner(), [Target(0, 0.5, 1.75)], [thing(6.0, speed=3, path="toward")],
                    2.0, seed=5)
    assert a == b
