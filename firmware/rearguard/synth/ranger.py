"""The HC-SR04 trace a scene would give: geometry first, then the sensor's faults.

The sensor sits with the camera, pointing level along the path (``bearing_deg`` 0). A ping
hears the nearest surface inside its cone (full width ``beam_deg``) and no farther than
``max_distance_m``; nothing else. Faults follow the real logs in the asset folder's
ultrasonic/ (SOURCES.md there): Gaussian jitter of a few millimetres growing with distance,
readings dropped as "no echo" (1.3 % over 24 min in tim4320's steady log, up to a quarter when
a hand moves in nikamsudarshan's; 3 % here), and rare single-sample spikes that read long
(eniomecaj's log: multipath), which are dropped when they land beyond the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rearguard.messages import RangeReading
from rearguard.synth.motion import object_lift, object_position, runner_pose
from rearguard.synth.scene import Runner

PERIOD_S = 0.0625  # 16 Hz: an HC-SR04 needs ~60 ms for echoes to die out
JITTER_S = 0.002  # ping times wander by up to this (the ranging thread's scheduling)
DROPOUT = 0.03
SPIKE = 0.01
NOISE_M, NOISE_PER_M = 0.003, 0.002


@dataclass(frozen=True)
class Beam:
    name: str = "rear"
    beam_deg: float = 15.0
    max_distance_m: float = 4.0


@dataclass(frozen=True)
class Target:
    """What the beam can hit: a flat face across the path from x1 to x2, 0 to height_m high."""

    sprite_index: int
    width_m: float
    height_m: float


def echo_distance(beam: Beam, runner: Runner, targets: list[Target], objects: list,
                  t: float) -> float | None:
    """The true distance to the nearest surface inside the cone, or None (nothing in range)."""
    pose = runner_pose(runner, t)
    spread = math.tan(math.radians(beam.beam_deg / 2))
    best = None
    for target in targets:
        z, x = object_position(objects[target.sprite_index], t)
        ahead = z - pose.z
        if ahead <= 0.02:
            continue
        cone = ahead * spread
        lo, hi = x - target.width_m / 2 - pose.x, x + target.width_m / 2 - pose.x
        lift = object_lift(objects[target.sprite_index], t)
        bottom, top = lift - pose.height_m, lift + target.height_m - pose.height_m
        if hi < -cone or lo > cone or top < -cone or bottom > cone:
            continue  # outside the beam
        side = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
        up = 0.0 if bottom <= 0 <= top else min(abs(bottom), abs(top))
        r = math.sqrt(ahead ** 2 + side ** 2 + up ** 2)
        if best is None or r < best:
            best = r
    if best is None or best > beam.max_distance_m:
        return None
    return best


def range_trace(beam: Beam, runner: Runner, targets: list[Target], objects: list,
                duration_s: float, seed: int) -> list[RangeReading]:
    """One reading per ping over the scene, with the sensor's noise, dropouts and spikes."""
    rng = np.random.default_rng([seed, 0x5253])
    readings = []
    for k in range(int(duration_s / PERIOD_S) + 1):
        t = k * PERIOD_S + float(rng.uniform(0, JITTER_S))
        if t >= duration_s:
            break
        true = echo_distance(beam, runner, targets, objects, t)
        faults = rng.uniform(size=3)
        noise = float(rng.normal())
        readings.append(RangeReading(round(t, 4), beam.name,
                                     measured_range(beam, true, faults, noise)))
    return readings


def measured_range(beam: Beam, true: float | None, faults: np.ndarray,
                   noise: float) -> float | None:
    """What the sensor reports for a true distance: ``faults`` three uniform draws (dropout,
    spike, spike size) and ``noise`` a standard normal one, so callers own the random stream."""
    if true is None or faults[0] < DROPOUT:
        return None
    measured = true + noise * (NOISE_M + NOISE_PER_M * true)
    if faults[1] < SPIKE:
        measured += 0.2 + 0.8 * float(faults[2])
    if measured > beam.max_distance_m or measured <= 0.02:
        return None
    return round(measured, 3)
