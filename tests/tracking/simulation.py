"""Simulated scenes with exact geometry: an object approaching a camera on a running person.

The camera sits on the runner's back at ``height_m`` and looks down by ``pitch_deg``; the gait
bobs it up and down and rocks its pitch at the step frequency. An object of known real height
stands on the ground straight behind the runner (``lateral_m`` to the side) and closes at
``speed_mps`` from ``start_m``. Its box is the exact projection of its front face through the
pinhole camera, plus the wander of a detector's box edges (seeded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rearguard.core.geometry import CameraIntrinsics
from rearguard.messages import Detection, DetectionSet

STEP_HZ = 2.8  # 170 steps a minute
BOB_M = 0.04  # vertical bounce of the torso
ROCK_DEG = 1.5  # pitch rocking


@dataclass(frozen=True)
class Scene:
    label: str
    real_height_m: float
    real_width_m: float
    speed_mps: float
    start_m: float = 15.0
    lateral_m: float = 0.0
    height_m: float = 1.1
    pitch_deg: float = 5.0
    rate_hz: float = 10.0
    edge_noise_px: float = 1.5
    seed: int = 7
    # The growth its own pixels show (rearguard.detection.scale), d ln(size)/dt = speed /
    # distance, with this standard deviation; None: not measured (boxes only). ``pixel_speed_mps``
    # is the speed they show, when not the box's own (``speed_mps``).
    growth_sigma: float | None = None
    pixel_speed_mps: float | None = None

    def distance_at(self, t: float) -> float:
        return self.start_m - self.speed_mps * t

    def project(self, k: CameraIntrinsics, t: float) -> tuple[float, ...] | None:
        """The object's box at time ``t`` (None once it is out of the picture or behind)."""
        phase = 2 * math.pi * STEP_HZ * t
        cam_h = self.height_m + BOB_M * math.sin(phase)
        pitch = math.radians(self.pitch_deg + ROCK_DEG * math.sin(phase + 1.0))
        z = self.distance_at(t)
        if z <= 0.3:
            return None
        us, vs = [], []
        for x in (self.lateral_m - self.real_width_m / 2, self.lateral_m + self.real_width_m / 2):
            for y in (0.0, self.real_height_m):
                zc = z * math.cos(pitch) + (cam_h - y) * math.sin(pitch)
                yc = (cam_h - y) * math.cos(pitch) - z * math.sin(pitch)
                us.append(k.cx + k.fx * x / zc)
                vs.append(k.cy + k.fy * yc / zc)
        box = (max(min(us), 0.0), max(min(vs), 0.0), min(max(us), k.width),
               min(max(vs), k.height))
        if box[2] - box[0] < 3 or box[3] - box[1] < 3:
            return None
        return box

    def detections(self, k: CameraIntrinsics, drop_every: int = 7):
        """DetectionSets at ``rate_hz``; every ``drop_every``-th frame is dropped (a gap)."""
        rng = np.random.default_rng(self.seed)
        t, index = 0.0, 0
        while self.distance_at(t) > 0.5:
            box = self.project(k, t)
            if box is not None and index % drop_every != drop_every - 1:
                noisy = tuple(float(v + rng.normal(0, self.edge_noise_px)) for v in box)
                growth = self._growth(t, rng) if index else None
                yield DetectionSet(t, index, (k.width, k.height), (Detection(
                    self.label, 0, 0.8, noisy, growth=growth,
                    growth_sigma=None if growth is None else self.growth_sigma),))
            index += 1
            t = index / self.rate_hz

    def _growth(self, t: float, rng: np.random.Generator) -> float | None:
        if self.growth_sigma is None:
            return None
        speed = self.speed_mps if self.pixel_speed_mps is None else self.pixel_speed_mps
        return speed / self.distance_at(t) + float(rng.normal(0, self.growth_sigma))
