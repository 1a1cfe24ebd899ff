"""Distance estimates against KITTI's measured distances (kitti_tracking_mini).

KITTI labels give each object's 2-D box and its 3-D position in camera coordinates (metres, the
bottom centre of the object), so the true depth ``z`` of every labelled pedestrian, car and
cyclist is known. The mini set does not carry KITTI's calibration files, so the camera matrix is
KITTI's published P2 for the two recording days (2011-09-26 for sequence 0001, 2011-09-28 for
0016); the test checks it against the labels themselves: the principal point row fitted from
v = cy + fy * y / z at each object's bottom must agree with it.

Distance is estimated the way the firmware does it, from the box alone: the class's typical
height and the ground contact point with the camera 1.65 m above the road, looking level. It is
compared with the depth of the object's nearest corner (from its 3-D box and heading): a box's
bottom edge is where the object's near side meets the road, and that is what a runner meets.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import pytest

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


@dataclass(frozen=True)
class Label:
    kind: str
    box: tuple[float, float, float, float]
    height_m: float
    y_m: float
    z_m: float  # depth of the object's centre
    near_m: float  # depth of its nearest corner: what a runner would collide with


def labels(assets, sequence: str) -> list[Label]:
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
            found.append(Label(kind, box, float(f[10]), float(f[14]),
                               z, z + min(corners)))
    return found


# KITTI's published rectified camera-2 matrices: fx = fy, cx, cy (pixels).
KITTI_P2 = {"0001": (721.5377, 609.5593, 172.854), "0016": (707.0493, 604.0814, 180.5066)}


def intrinsics(sequence: str) -> CameraIntrinsics:
    f, cx, cy = KITTI_P2[sequence]
    width, height = SIZES[sequence]
    return CameraIntrinsics(f, f, cx, cy, width, height)


def fitted_cy(k: CameraIntrinsics, objects: list[Label]) -> float:
    """The principal point's row that the pedestrians' labels imply, given fy.

    Only pedestrians: a car's box bottom is its near edge, well in front of its centre.
    """
    return statistics.median(o.box[3] - k.fy * o.y_m / o.z_m for o in objects
                             if o.kind == "Pedestrian")


@pytest.mark.parametrize("sequence", sorted(FRAMES))
def test_distance_from_the_box_against_kitti_truth(assets, sequence, capsys):
    objects = labels(assets, sequence)
    k = intrinsics(sequence)
    if any(o.kind == "Pedestrian" for o in objects):
        assert abs(fitted_cy(k, objects) - k.cy) < 4  # the labels and the calibration agree
    errors = []
    for o in objects:
        estimate = combine(distance_from_height(k, o.box, CLASS_HEIGHT[o.kind]),
                           distance_from_ground(k, o.box, KITTI_MOUNT))
        assert estimate is not None, o
        errors.append(abs(estimate.metres - o.near_m) / o.near_m)
    errors.sort()
    p90 = errors[int(0.9 * (len(errors) - 1))]
    with capsys.disabled():
        print(f"\n  KITTI {sequence}: {len(errors)} objects at "
              f"{min(o.z_m for o in objects):.1f}-{max(o.z_m for o in objects):.1f} m: "
              f"distance error median {statistics.median(errors):.1%}, 90th percentile "
              f"{p90:.1%}, max {errors[-1]:.1%}")
    assert statistics.median(errors) < 0.12
    assert p90 < 0.20
