"""Where the runner and every object are at time t (world metres, exact, no randomness).

World axes: z along the runner's path in the direction the camera looks (the way the runner
goes), x to the right of the path (image right), y up from the ground. The runner starts at
z = 0 on the path's centre line (x = 0).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from rearguard.synth.scene import Runner, SceneObject


@dataclass(frozen=True, slots=True)
class Pose:
    """The camera at one instant: where it is and how it is turned."""

    z: float  # distance the runner has covered along the path
    x: float  # sway off the centre line
    height_m: float
    pitch_deg: float  # down from horizontal
    roll_deg: float


def runner_pose(r: Runner, t: float) -> Pose:
    """Running backward: a bounce per step (vertical, with a pitch rock), sway and roll per
    stride (two steps)."""
    step = 2 * math.pi * r.cadence_spm / 60.0 * t
    stride = step / 2
    return Pose(z=r.speed_mps * t,
                x=r.sway_m * math.sin(stride),
                height_m=r.height_m + r.bounce_m * math.sin(step),
                pitch_deg=r.pitch_deg + r.pitch_wobble_deg * math.sin(step + 0.8),
                roll_deg=r.roll_deg * math.sin(stride + 0.3))


def travelled(profile: tuple[tuple[float, float], ...], t: float) -> float:
    """Distance covered by time t under a piecewise-linear speed profile (held after its end,
    and at its first speed before its first time)."""
    times = [p[0] for p in profile]
    speeds = [p[1] for p in profile]
    if t <= times[0]:
        return speeds[0] * t
    total = speeds[0] * times[0]
    for (t0, v0), (t1, v1) in itertools.pairwise(profile):
        if t <= t0:
            break
        end = min(t, t1)
        v_end = v0 + (v1 - v0) * (end - t0) / (t1 - t0) if t1 > t0 else v1
        total += (v0 + v_end) / 2 * (end - t0)
    if t > times[-1]:
        total += speeds[-1] * (t - times[-1])
    return total


def object_position(o: SceneObject, t: float) -> tuple[float, float]:
    """(z, x) of the object's nearest surface (its front face, centre) in world metres."""
    s = travelled(o.speed_profile, t)
    if o.path == "toward":
        return o.distance_m - s, o.lateral_m
    if o.path == "same-way":
        return o.distance_m + s, o.lateral_m
    if o.path == "crossing":  # left to right
        return o.distance_m, o.lateral_m + s
    return o.distance_m, o.lateral_m


def object_lift(o: SceneObject, t: float) -> float:
    """How far a walking or running object is lifted off its lowest point: one hump a step."""
    if not o.bob_m or not o.cadence_spm:
        return 0.0
    return o.bob_m * abs(math.sin(math.pi * o.cadence_spm / 60.0 * t))


def speed_along(o: SceneObject, t: float, dt: float = 1e-3) -> float:
    """d z / d t of the object (negative when it comes toward the runner)."""
    return (object_position(o, t + dt)[0] - object_position(o, t - dt)[0]) / (2 * dt)


def frame_times(duration_s: float, fps: float) -> np.ndarray:
    return np.arange(round(duration_s * fps), dtype=np.float64) / fps
