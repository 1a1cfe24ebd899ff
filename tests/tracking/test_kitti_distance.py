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

import statistics

import pytest

from rearguard.core.geometry import (
    CameraIntrinsics,
    combine,
    distance_from_ground,
    distance_from_height,
)
from rearguard.evaluate import kitti

KITTI_MOUNT = kitti.KITTI_MOUNT
CLASS_HEIGHT = kitti.CLASS_HEIGHT
FRAMES = kitti.FRAMES
labels = kitti.kitti_objects
intrinsics = kitti.kitti_intrinsics


def fitted_cy(k: CameraIntrinsics, objects: list[kitti.KittiObject]) -> float:
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
