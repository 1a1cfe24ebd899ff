"""Growth from an object's own pixels: a textured patch scaled by a known factor."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from rearguard.detection.scale import MIN_PAIR_PX, ScaleMeter, _median, _pairwise_scale
from rearguard.messages import Detection, DetectionSet, Frame


def scene(scale: float, box_jump: float = 0.0, *, height: int = 120, seed: int = 7,
          frame: tuple[int, int] = (640, 360)) -> tuple[np.ndarray, Detection]:
    """A textured 'object' ``height`` px tall (2:3), scaled about the frame's centre; its box
    may lie (jump)."""
    rng = np.random.default_rng(seed)
    width = height * 2 // 3
    texture = cv2.resize(rng.integers(0, 255, (height // 4, width // 4), np.uint8),
                         (width, height), interpolation=cv2.INTER_NEAREST)
    image = np.full((frame[1], frame[0], 3), 90, np.uint8)
    h, w = round(height * scale), round(width * scale)
    patch = cv2.resize(texture, (w, h), interpolation=cv2.INTER_LINEAR)
    y, x = frame[1] // 2 - h // 2, frame[0] // 2 - w // 2
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
    assert d.growth == pytest.approx((1.05 - 1) / 0.1, rel=0.15)
    assert d.growth_sigma is not None and d.growth_sigma < 0.2


def test_growth_is_the_rate_at_the_newer_frame():
    """At a steady closing speed an image's size goes as 1 / distance: from 10 m to 8 m in
    0.2 s it grows by 1.25, and the rate at the newer frame is 10 m/s / 8 m = 1.25/s. The
    mean rate over the interval, ln(1.25) / 0.2 = 1.12/s, lags the approach by 11 %."""
    d = measure(1.0, 1.25, dt=0.2)
    assert d.growth == pytest.approx(10 / 8, rel=0.03)


def test_a_box_that_jumps_does_not_make_growth():
    """The box's top jumps 25 px (an occluder uncovered a head): the pixels did not grow."""
    d = measure(1.0, 1.0, jump=25.0)
    assert abs(d.growth) < 0.1


def test_nothing_measured_without_a_previous_frame():
    meter = ScaleMeter({"person"})
    image, det = scene(1.0)
    ds = meter.measure(Frame(0.0, 0, image), DetectionSet(0.0, 0, (640, 360), (det,)))
    assert ds.detections[0].growth is None


def two_objects(t: float) -> tuple[np.ndarray, tuple[Detection, ...]]:
    """Two textured objects, one growing at 0.5/s and one shrinking at 0.3/s, and two
    detections the meter must leave alone: a class it does not measure, a box too small."""
    rng = np.random.default_rng(11)
    image = np.full((360, 640, 3), 90, np.uint8)
    detections = []
    for cx, rate in ((180, 0.5), (460, -0.3)):
        texture = cv2.resize(rng.integers(0, 255, (30, 20), np.uint8), (80, 120),
                             interpolation=cv2.INTER_NEAREST)
        s = math.exp(rate * t)
        h, w = round(120 * s), round(80 * s)
        y, x = 180 - h // 2, cx - w // 2
        image[y:y + h, x:x + w] = cv2.resize(texture, (w, h),
                                             interpolation=cv2.INTER_LINEAR)[..., None]
        detections.append(Detection("person", 0, 0.9, (float(x), float(y), float(x + w),
                                                       float(y + h))))
    detections.insert(1, Detection("cup", 41, 0.8, detections[0].box))
    detections.append(Detection("person", 0, 0.5, (10.0, 10.0, 20.0, 22.0)))
    return image, tuple(detections)


def test_each_object_gets_its_own_growth_from_one_flow_pass():
    meter = ScaleMeter({"person"})
    for t in (0.0, 0.1):
        image, detections = two_objects(t)
        ds = meter.measure(Frame(t, 0, image), DetectionSet(t, 0, (640, 360), detections))
    growing, cup, shrinking, tiny = ds.detections
    assert growing.growth == pytest.approx(0.5, abs=0.15)
    assert shrinking.growth == pytest.approx(-0.3, abs=0.15)
    assert cup.growth is None and tiny.growth is None
    assert (growing.box, cup.box, shrinking.box, tiny.box) == tuple(d.box for d in detections)


def test_a_frame_measured_in_two_parts_gives_what_it_gives_whole():
    """A Pi 5's shared frame goes to the meters in two parts (farview.FIRST, then the rest):
    both are measured against the previous frame, and the next frame against this one."""
    whole, parts = ScaleMeter({"person"}), ScaleMeter({"person"})
    for index, t in enumerate((0.0, 0.1, 0.2)):
        image, detections = two_objects(t)
        frame = Frame(t, index, image)
        at_once = whole.measure(frame, DetectionSet(t, index, (640, 360), detections))
        first = parts.measure(frame, DetectionSet(t, index, (640, 360), detections[:2]),
                              final=False)
        rest = parts.measure(frame, DetectionSet(t, index, (640, 360), detections[2:]))
        assert [d.growth for d in first.detections + rest.detections] \
            == [d.growth for d in at_once.detections]
    assert at_once.detections[0].growth == pytest.approx(0.5, abs=0.15)


def test_a_far_object_is_measured_at_full_resolution():
    """Shrunk to the work image a far object's growth between two looks is a fraction of a
    pixel; in the full-size frame around it, it is measured."""
    meter = ScaleMeter({"person"})
    for t, s in ((0.0, 1.0), (0.2, 1.08)):  # 36 px tall: 18 px in the work image
        image, det = scene(s, height=36, seed=3, frame=(1280, 720))
        ds = meter.measure(Frame(t, 0, image), DetectionSet(t, 0, (1280, 720), (det,)))
    d = ds.detections[0]
    assert d.growth == pytest.approx((1.08 - 1) / 0.2, rel=0.25)
    assert d.growth_sigma is not None and d.growth_sigma < 0.15


@pytest.mark.parametrize("n", [1, 2, 5, 6, 15, 276])
def test_median_is_numpys_bit_for_bit(n):
    values = np.random.default_rng(n).normal(0, 0.1, n).astype(np.float32)
    assert _median(values) == float(np.median(values))


def test_pairwise_scale_is_the_plain_numpy_formula_bit_for_bit():
    """The fast path computes the same numbers as the textbook one (norms, np.median)."""
    rng = np.random.default_rng(5)
    for n in (6, 13, 24):
        now = rng.uniform(0, 100, (n, 2)).astype(np.float32)
        before = (now * np.float32(0.97) + rng.normal(0, 0.3, (n, 2))).astype(np.float32)
        i, j = np.triu_indices(n, k=1)
        d_now = np.linalg.norm(now[i] - now[j], axis=1)
        d_before = np.linalg.norm(before[i] - before[j], axis=1)
        keep = (d_before > MIN_PAIR_PX) & (d_now > MIN_PAIR_PX)
        logs = np.log(d_now[keep] / d_before[keep])
        centre = float(np.median(logs))
        mad = float(np.median(np.abs(logs - centre)))
        sigma = 1.4826 * mad * 1.25 / math.sqrt(n) + 0.002
        assert _pairwise_scale(now, before) == (math.exp(centre), sigma)


def test_a_weak_box_is_measured_as_a_sure_one():
    """The far view's weak boxes (DetectionSet.weak) get their growth too: the evidence they
    gather for a far object includes how fast it grows. Sure and weak, one flow pass: the
    same growth whichever list the box is in."""
    meter, sure = ScaleMeter({"person"}), ScaleMeter({"person"})
    for t, s in ((0.0, 1.0), (0.1, 1.05)):
        image, det = scene(s)
        weak = meter.measure(Frame(t, 0, image), DetectionSet(t, 0, (640, 360), (), weak=(
            Detection("person", 0, 0.15, det.box),)))
        found = sure.measure(Frame(t, 0, image), DetectionSet(t, 0, (640, 360), (det,)))
    assert not weak.detections and weak.weak[0].growth is not None
    assert weak.weak[0].growth == pytest.approx(found.detections[0].growth)
    assert weak.weak[0].growth == pytest.approx(math.log(1.05) / 0.1, rel=0.25)
