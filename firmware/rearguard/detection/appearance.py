"""What an object looks like, in a few numbers (a compute edge, OpenCV).

Two people walking side by side have boxes that overlap and move alike; when one hides the
other for a frame, the box left over can go to either track, and the ids trade places. Their
clothes tell them apart where their boxes cannot. Each detection of an obstacle class gets a
hue-saturation histogram of the middle of its box (the middle: the box's edges hold the
background and the neighbours), normalised to sum 1; the tracker keeps a running one per track
and prefers, among boxes that fit a track about as well, the one that looks like it.

Cost: the middle of each box is shrunk to at most ``PATCH_PX`` on its longer side before the
colour conversion, so a near person 600 px tall costs what a far one does (tens of
microseconds on x86); one small array per detection.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from rearguard.messages import Detection, DetectionSet, Frame

HUE_BINS, SAT_BINS = 8, 4
PATCH_PX = 32  # the box's middle, shrunk to at most this on its longer side
MARGIN = 0.2  # of the box's width and height, left out on each side (background, neighbours)
MIN_BOX_PX = 12.0  # smaller boxes have too few pixels to say what they look like
_RANGES = [0, 180, 0, 256]


class AppearanceMeter:
    """Adds ``appearance`` to each detection of a class worth tracking."""

    def __init__(self, labels: frozenset[str] | set[str] | None = None):
        self.labels = frozenset(labels) if labels is not None else None

    def measure(self, frame: Frame, ds: DetectionSet) -> DetectionSet:
        if frame.image.ndim != 3 or not (ds.detections or ds.weak):
            return ds  # a grey camera has no colours to tell people apart by
        return replace(ds, detections=tuple(self._described(frame.image, d)
                                            for d in ds.detections),
                       weak=tuple(self._described(frame.image, d) for d in ds.weak))

    def _described(self, image: np.ndarray, d: Detection) -> Detection:
        if self.labels is not None and d.label not in self.labels:
            return d
        histogram = describe(image, d.box)
        return d if histogram is None else replace(d, appearance=histogram)


def describe(image: np.ndarray, box: tuple[float, float, float, float]) -> tuple[float, ...] | None:
    """The hue-saturation histogram (sum 1) of the middle of ``box`` in a BGR image."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if min(w, h) < MIN_BOX_PX:
        return None
    height, width = image.shape[:2]
    left, right = max(int(x1 + MARGIN * w), 0), min(int(x2 - MARGIN * w), width)
    top, bottom = max(int(y1 + MARGIN * h), 0), min(int(y2 - MARGIN * h), height)
    if right - left < 2 or bottom - top < 2:
        return None
    patch = image[top:bottom, left:right]
    k = min(1.0, PATCH_PX / max(patch.shape[:2]))
    if k < 1.0:
        size = (max(round(patch.shape[1] * k), 1), max(round(patch.shape[0] * k), 1))
        patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    counts = cv2.calcHist([hsv], [0, 1], None, [HUE_BINS, SAT_BINS], _RANGES).ravel()
    total = float(counts.sum())
    return tuple(float(c) / total for c in counts) if total > 0 else None

