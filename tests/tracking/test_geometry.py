"""The distance cues' geometry, against boxes drawn with a pinhole camera."""

from __future__ import annotations

import math

import pytest

from rearguard.core.geometry import CameraIntrinsics, distance_from_height

K = CameraIntrinsics(fx=900.0, fy=900.0, cx=640.0, cy=360.0, width=1280, height=720)


def _upright_box(z: float, height_m: float, camera_m: float, pitch_deg: float):
    """The box of an upright object ``height_m`` tall, ``z`` metres away, seen from
    ``camera_m`` up with the camera ``pitch_deg`` down."""
    def row(drop_m: float) -> float:
        return K.cy + K.fy * math.tan(math.atan2(drop_m, z) - math.radians(pitch_deg))

    return (600.0, row(camera_m - height_m), 680.0, row(camera_m))


@pytest.mark.parametrize(("z", "height_m", "camera_m", "pitch_deg"), [
    (8.0, 1.7, 2.5, 0.0),  # level: fy H / pixels, as ever
    (30.0, 1.75, 1.1, 10.0),  # a cyclist far up the path, a runner's camera tilted down
    (3.0, 1.7, 2.5, 30.0),  # a person below a wall-mounted camera looking down
])
def test_the_height_cue_finds_an_upright_object_at_any_pitch(z, height_m, camera_m, pitch_deg):
    box = _upright_box(z, height_m, camera_m, pitch_deg)
    estimate = distance_from_height(K, box, height_m, pitch_deg=pitch_deg)
    assert estimate.metres == pytest.approx(z, rel=1e-9)


def test_the_level_formula_misreads_what_a_pitched_camera_sees_off_its_axis():
    # What the cue did before it knew the pitch, fy H / pixels: rows away from the axis spread
    # as the square of the secant. The cyclist 30 m up the path read 2.7 % near; the person
    # 3 m below the wall-mounted camera, 28 % far.
    def level(box, height_m):
        return K.fy * height_m / (box[3] - box[1])

    assert level(_upright_box(30.0, 1.75, 1.1, 10.0), 1.75) == pytest.approx(29.2, abs=0.1)
    assert level(_upright_box(3.0, 1.7, 2.5, 30.0), 1.7) == pytest.approx(3.84, abs=0.02)
