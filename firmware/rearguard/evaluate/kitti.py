"""Distance from a box against KITTI's measured distances (footage/kitti_tracking_mini).

KITTI labels give each object's 2-D box and its 3-D position in camera coordinates, so the true
depth of every labelled pedestrian, car and cyclist is known. The mini set has no calibration
files, so the camera matrix is KITTI's published P2 for the two recording days (2011-09-26 for
sequence 0001, 2011-09-28 for 0016). Distance is estimated as the firmware does it, from the box
alone (class height and ground contact, camera 1.65 m above the road, looking level), and
compared with the depth of the object's nearest corner: what a runner would meet.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from rearguard.config.schema import MountingConfig
from rearguard.core.geometry import (
    CameraIntrinsics,
    combine,
    distance_from_ground,
    distance_from_height,
)

FRAMES = {"0001": (10, 15, 20), "0016": (2, 7, 12)}
SIZES = {"0001": (1242, 375), "0016": (1224, 370)}
CLASS_HEIGHT = {"Pedestrian": 1.7, "Car": 1.5, "Cyclist": 1.7}  # a rider on a bike ~ a person
KITTI_MOUNT = MountingConfig(height_m=1.65, pitch_deg=0.0)
# KITTI's published rectified camera-2 matrices: fx = fy, cx, cy (pixels).
KITTI_P2 = {"0001": (721.5377, 609.5593, 172.854), "0016": (707.0493, 604.0814, 180.5066)}


@dataclass(frozen=True)
class KittiObject:
    kind: str
    box: tuple[float, float, float, float]
    height_m: float
    y_m: float
    z_m: float  # depth of the object's centre
    near_m: float  # depth of its nearest corner


def kitti_objects(assets: Path, sequence: str) -> list[KittiObject]:
    """Whole, unoccluded pedestrians, cars and cyclists in the mini set's frames."""
    found = []
    path = assets / "footage" / "kitti_tracking_mini" / "label_02" / f"{sequence}.txt"
    for line in path.read_text().splitlines():
        f = line.split()
        frame, kind, truncated, occluded = int(f[0]), f[2], float(f[3]), int(f[4])
        box = tuple(map(float, f[6:10]))
        in_picture = box[1] > 5 and box[3] < SIZES[sequence][1] - 5  # not cut by the frame
        if frame in FRAMES[sequence] and kind in CLASS_HEIGHT and truncated == 0 \
                and occluded == 0 and in_picture:
            width, length, z, ry = float(f[11]), float(f[12]), float(f[15]), float(f[16])
            corners = [-math.sin(ry) * dx + math.cos(ry) * dz
                       for dx in (-length / 2, length / 2) for dz in (-width / 2, width / 2)]
            found.append(KittiObject(kind, box, float(f[10]), float(f[14]), z, z + min(corners)))
    return found


def kitti_intrinsics(sequence: str) -> CameraIntrinsics:
    f, cx, cy = KITTI_P2[sequence]
    width, height = SIZES[sequence]
    return CameraIntrinsics(f, f, cx, cy, width, height)


def distance_errors(assets: Path, sequence: str,
                    k: CameraIntrinsics | None = None) -> list[float]:
    """Relative distance errors |estimate - truth| / truth, one per labelled object."""
    k = k or kitti_intrinsics(sequence)
    errors = []
    for o in kitti_objects(assets, sequence):
        estimate = combine(distance_from_height(k, o.box, CLASS_HEIGHT[o.kind]),
                           distance_from_ground(k, o.box, KITTI_MOUNT))
        if estimate is not None:
            errors.append(abs(estimate.metres - o.near_m) / o.near_m)
    return errors


def median_distance_error(assets: Path) -> tuple[float, int]:
    """Median relative error over both sequences, and how many objects."""
    errors = [e for seq in sorted(FRAMES) for e in distance_errors(assets, seq)]
    return statistics.median(errors), len(errors)
