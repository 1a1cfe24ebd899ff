"""Where the runner and the objects are: exact, so the truth can be exact."""

from __future__ import annotations

import math

import pytest

from rearguard.synth.motion import object_lift, object_position, runner_pose, travelled
from rearguard.synth.scene import Runner, SceneObject


def thing(path: str, profile=((0.0, 2.0),), bob: float = 0.0, cadence: float = 0.0):
    return SceneObject(1, "person", "person", "", 0, None, 1.75, 0.5, 10.0, -1.0, path, profile,
                       bob, cadence)


def test_speed_profiles_integrate_piecewise_linearly():
    profile = ((0.0, 0.0), (2.0, 0.0), (4.0, 4.0))
    assert travelled(profile, 1.0) == 0.0
    assert travelled(profile, 3.0) == pytest.approx(1.0)  # ramp 0 -> 2 m/s over 1 s
    assert travelled(profile, 4.0) == pytest.approx(4.0)
    assert travelled(profile, 5.0) == pytest.approx(8.0)  # held at 4 m/s
    assert travelled(((0.0, 3.0),), 2.5) == pytest.approx(7.5)


def test_paths_move_the_right_way():
    assert object_position(thing("toward"), 1.0) == (8.0, -1.0)
    assert object_position(thing("same-way"), 1.0) == (12.0, -1.0)
    assert object_position(thing("crossing"), 1.0) == (10.0, 1.0)  # left to right
    assert object_position(thing("static", ((0.0, 0.0),)), 1.0) == (10.0, -1.0)


def test_the_runner_bounces_once_a_step_and_sways_once_a_stride():
    r = Runner(speed_mps=3.0, cadence_spm=180.0, bounce_m=0.05, sway_m=0.03)
    step = 60.0 / 180.0
    assert runner_pose(r, 2.0).z == pytest.approx(6.0)
    heights = [runner_pose(r, t / 100).height_m for t in range(200)]
    assert max(heights) == pytest.approx(1.1 + 0.05, abs=1e-3)
    assert runner_pose(r, 0.3).height_m == pytest.approx(runner_pose(r, 0.3 + step).height_m)
    assert runner_pose(r, 0.3).x == pytest.approx(-runner_pose(r, 0.3 + step).x)


def test_a_walker_rises_once_a_step():
    walker = thing("toward", bob=0.04, cadence=120.0)
    assert object_lift(walker, 0.0) == 0.0
    assert object_lift(walker, 0.25) == pytest.approx(0.04)  # mid-step
    assert object_lift(walker, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert object_lift(thing("toward"), 0.25) == 0.0
    assert all(0 <= object_lift(walker, t / 37) <= 0.04 for t in range(100))
    assert not math.isnan(object_lift(walker, 1e6))
