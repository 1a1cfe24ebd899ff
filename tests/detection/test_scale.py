"""Growth from an object's own pixels: a textured patch scaled by a known factor."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from rearguard.detection.scale import ScaleMeter
from rearguard.messages import Detection, DetectionSet, Frame


def scene(scale: float, box_jump: float = 0.0) -> tuple[np.ndarray, Detection]:
    """A textured 'object' 120 px tall, scaled about its centre; its box may lie (jump)."""
    rng = np.random.default_rng(7)
    texture = cv2.resize(rng.integers(0, 255, (30, 20), np.uint8), (80, 120),
                         interpolation=cv2.INTER_NEAREST)
    image = np.full((360, 640, 3), 90, np.uint8)
    h, w = round(120 * scale), round(80 * scale)
    patch = cv2.resize(texture, (w, h), interpolation=cv2.INTER_LINEAR)
    y, x = 180 - h // 2, 320 - w // 2
    image[y:y + h, x:x + w] = patch[..., None]
    box = (float(x), float(y) - box_jump, float(x + w), float(y + h))
    return image, Detection("person", 0, 0.9, box)


def measure(first: float, second: float, dt: float = 0.1, jump: float = 0.0):
    meter = ScaleMeter({"person"})
    for t, s, j in ((0.0, first, 0.0), (dt, second, jump)):
        image, det = scene(s, j)
        ds = meter.measure(Frame(t, 0, image), DetectionSet(t, 0, (640, 360), (det,)))
    return ds.detections[0]


def test_growth_is_the_pixels_scale_rate():
    d = measure(1.0, 1.05)
    assert d.growth == pytest.approx(math.log(1.05) / 0.1, rel=0.15)
    assert d.growth_sigma is not None and d.growth_sigma < 0.2


def test_a_box_that_jumps_does_not_make_growth():
    """The box's top jumps 25 px (an occluder uncovered a head): the pixels did not grow."""
    d = measure(1.0, 1.0, jump=25.0)
    assert abs(d.growth) < 0.1


def test_nothing_measured_without_a_previous_frame():
    meter = ScaleMeter({"person"})
    image, det = scene(1.0)
    ds = meter.measure(Frame(0.0, 0, image), DetectionSet(0.0, 0, (640, 360), (det,)))
    assert ds.detections[0].growth is None
