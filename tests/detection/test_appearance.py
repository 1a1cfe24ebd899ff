"""What a detection looks like: colour histograms that tell two people apart and one person
from frame to frame (real pixels of a photo, and drawn ones)."""

from __future__ import annotations

import cv2
import numpy as np

from rearguard.core.tracking import unlikeness
from rearguard.detection.appearance import AppearanceMeter, describe
from rearguard.messages import Detection, DetectionSet, Frame


def _two_people() -> np.ndarray:
    image = np.full((240, 320, 3), 90, np.uint8)  # grey street
    image[40:200, 40:100] = (40, 40, 200)  # a red coat (BGR)
    image[40:200, 200:260] = (200, 80, 30)  # a blue one
    return image


def test_two_coats_are_unlike_and_one_coat_is_like_itself():
    image = _two_people()
    red, blue = describe(image, (30, 30, 110, 210)), describe(image, (190, 30, 270, 210))
    red_again = describe(image, (34, 36, 108, 206))  # the same person, a box a frame later
    assert red is not None and abs(sum(red) - 1.0) < 1e-6
    assert unlikeness(red, blue) > 0.9
    assert unlikeness(red, red_again) < 0.1
    assert unlikeness(red, None) == 0.0  # unknown: no evidence either way


def test_a_real_persons_histogram_is_stable_across_a_shifted_box(assets):
    image = cv2.imread(str(assets / "images" / "zidane.jpg"))
    man = (720, 40, 1160, 720)
    shifted = (735, 55, 1170, 715)
    other = (120, 190, 560, 720)  # the other man, in another shirt and light
    assert unlikeness(describe(image, man), describe(image, shifted)) < 0.15
    assert unlikeness(describe(image, man), describe(image, other)) > \
        2 * unlikeness(describe(image, man), describe(image, shifted))


def test_the_meter_describes_obstacle_classes_big_enough_in_colour_frames():
    meter = AppearanceMeter({"person"})
    found = (Detection("person", 0, 0.9, (30, 30, 110, 210)),
             Detection("person", 0, 0.9, (5, 5, 12, 14)),  # too small to say
             Detection("kite", 33, 0.9, (190, 30, 270, 210)))  # not an obstacle class
    ds = meter.measure(Frame(0.0, 0, _two_people()), DetectionSet(0.0, 0, (320, 240), found))
    assert [d.appearance is not None for d in ds.detections] == [True, False, False]
    grey = Frame(0.0, 0, cv2.cvtColor(_two_people(), cv2.COLOR_BGR2GRAY))
    assert meter.measure(grey, DetectionSet(0.0, 0, (320, 240), found)).detections == found
