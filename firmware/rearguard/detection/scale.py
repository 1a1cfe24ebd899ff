"""How fast an object's image grows, measured from its own pixels (a compute edge, OpenCV).

A box from the detector finds an object; it does not time it. Box edges jump when a leg swings,
when an occluder uncovers a body, when the frame cuts the object: read as growth, each jump is
a false time to contact. Forward-collision systems time the object from the relative scale of
its image instead. Here: corners found inside the current box are followed back to the previous
frame the detector saw with pyramidal Lucas-Kanade optical flow (and forward again, to keep only
points that track both ways); the median ratio of distances between pairs of points is the
object's scale change between the two frames, whatever its box did. Points on parts that were
hidden in the previous frame do not track back, so an uncovered body does not count as growth,
and a box cut by the frame still has its visible pixels to measure.

The result rides on each Detection as ``growth`` (d ln(size)/dt at the frame's time, per
second) and ``growth_sigma``; the tracker uses it as a direct measurement of its scale rate.

Cost (it runs on every frame the detector sees): the optical flow of the points is most of
it, the two calls' pyramids (each call builds both images' pyramids again) a fixed part of
about 0.15 ms a call at 640x480 on x86. Prebuilt pyramids cannot be passed from Python
(``cv2.calcOpticalFlowPyrLK`` takes one image per argument, opencv/opencv#4777, and copies of
the levels would lose the border padding the tracker requires, opencv/opencv#8268), so the
rest is kept lean instead: one array of points for all detections, and the pairwise scale
without NumPy's generic median. Far objects (boxes shorter than ``FINE_BELOW_PX`` in the work
image) take a second pair of calls, on the full-size frame cut down to the window around them.
Shrunk to 640 px, a cyclist 25 m away is 20 px tall: the corners inside its box lie a few
pixels apart, hardly more than the flow's own error and often closer than ``MIN_PAIR_PX``; at
full size they lie twice as far apart. Far objects are the ones whose early timing decides
the runner's warning.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import cv2
import numpy as np

from rearguard.messages import Detection, DetectionSet, Frame

WORK_WIDTH = 640  # optical flow runs on the frame scaled to at most this width
MAX_POINTS = 24
MIN_POINTS = 6
MIN_PAIR_PX = 6.0  # pairs of points nearer than this say little about scale
FB_ERROR_PX = 1.0  # forward-backward disagreement that rejects a point
SHRINK = 0.15  # corners are searched inside the box shrunk by this much per side (background)
MIN_BOX_PX = 16.0
MAX_GAP_S = 0.6  # frames further apart than this are not compared
FINE_BELOW_PX = 48.0  # boxes shorter than this in the work image are measured at full size
FLOW_REACH_PX = 64  # around far boxes: the flow's pyramid (15 px window, 3 levels) reaches this
_LK = dict(winSize=(15, 15), maxLevel=3,
           criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))


class ScaleMeter:
    """Keeps the previous frame the detector saw and measures each new detection's growth.

    Optical flow runs on the frame shrunk to ``WORK_WIDTH`` (a near object's motion between
    frames stays within the flow's reach, and the cost stays flat), except for boxes shorter
    than ``FINE_BELOW_PX`` there: far objects, whose growth between two frames is a pixel or
    two, are measured in the full-resolution frame, around them only.
    """

    def __init__(self, labels: frozenset[str] | set[str] | None = None):
        self.labels = frozenset(labels) if labels is not None else None
        self._previous: np.ndarray | None = None  # the work image of the previous frame
        self._current: np.ndarray | None = None  # a spare buffer, swapped with it
        self._previous_full: np.ndarray | None = None  # full-size grey frames, likewise
        self._full: np.ndarray | None = None
        self._previous_t = -math.inf
        self._scale = 1.0
        self._pending: tuple[int, np.ndarray] | None = None  # a frame measured in part

    def measure(self, frame: Frame, ds: DetectionSet, final: bool = True) -> DetectionSet:
        """``ds`` with ``growth`` filled in where the object's pixels allow. ``final``: False
        for a first part of the frame's detections (more of the same frame follow), which
        keeps the previous frame to measure them against."""
        if self._pending is not None and self._pending[0] == frame.index:
            gray = self._pending[1]  # the rest of a frame measured in part: already grey
        else:
            gray = self._gray(frame.image)
        dt = frame.t - self._previous_t
        if self._previous is not None and 0 < dt <= MAX_GAP_S and (ds.detections or ds.weak):
            measured = self._growths((*ds.detections, *ds.weak), gray, dt)
            sure = len(ds.detections)
            ds = replace(ds, detections=measured[:sure], weak=measured[sure:])
        self._pending = None if final else (frame.index, gray)
        if not final:
            return ds
        self._previous, self._current = gray, self._previous  # swap buffers, no new arrays
        self._previous_full, self._full = self._full, self._previous_full
        self._previous_t = frame.t
        return ds

    def _gray(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        self._scale = min(1.0, WORK_WIDTH / width)
        size = (round(width * self._scale), round(height * self._scale))
        out = self._current
        if out is None or out.shape != (size[1], size[0]):
            out = np.empty((size[1], size[0]), np.uint8)
        if self._scale == 1.0:
            self._full = None
            if image.ndim == 3:
                cv2.cvtColor(image, cv2.COLOR_BGR2GRAY, dst=out)
            else:
                np.copyto(out, image)
            return out
        # Grey first (one channel to shrink, not three), into a buffer kept between frames:
        # far objects are measured in it.
        if self._full is None or self._full.shape != (height, width):
            self._full = np.empty((height, width), np.uint8)
        if image.ndim == 3:
            cv2.cvtColor(image, cv2.COLOR_BGR2GRAY, dst=self._full)
        else:
            np.copyto(self._full, image)
        cv2.resize(self._full, size, dst=out, interpolation=cv2.INTER_LINEAR)
        return out

    def _growths(self, detections: tuple[Detection, ...], gray: np.ndarray,
                 dt: float) -> tuple[Detection, ...]:
        """Every detection's growth: one optical-flow pass each way for all the near objects'
        points in the work image, one for all the far objects' in the full-size frame."""
        near, far = [], []
        fine = self._full is not None and self._previous_full is not None \
            and self._previous_full.shape == self._full.shape
        for i, d in enumerate(detections):
            if self.labels is not None and d.label not in self.labels:
                continue
            small = (d.box[3] - d.box[1]) * self._scale < FINE_BELOW_PX
            (far if fine and small else near).append(i)
        out = list(detections)
        if near:
            _measure(out, near, gray, self._previous, self._scale, (0, 0), dt)
        if far:
            x, y, w, h = _around([detections[i].box for i in far], self._full.shape)
            _measure(out, far, self._full[y:y + h, x:x + w],
                     self._previous_full[y:y + h, x:x + w], 1.0, (x, y), dt)
        return tuple(out)


def _around(boxes: list[tuple[float, float, float, float]],
            shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The window (x, y, width, height) holding ``boxes`` and the flow's reach around them."""
    height, width = shape[:2]
    x1 = max(int(min(b[0] for b in boxes)) - FLOW_REACH_PX, 0)
    y1 = max(int(min(b[1] for b in boxes)) - FLOW_REACH_PX, 0)
    x2 = min(int(max(b[2] for b in boxes)) + 1 + FLOW_REACH_PX, width)
    y2 = min(int(max(b[3] for b in boxes)) + 1 + FLOW_REACH_PX, height)
    return x1, y1, x2 - x1, y2 - y1


def _measure(out: list[Detection], indices: list[int], now_image: np.ndarray,
             before_image: np.ndarray, k: float, origin: tuple[int, int], dt: float) -> None:
    """Growth of ``out[i]`` for each i in ``indices``, from one optical-flow pass each way
    between two images (``k`` image pixels per frame pixel, ``origin``: where the images
    start, in those pixels)."""
    spans, chunks, count = [], [], 0
    for i in indices:
        corners = _corners(out[i].box, now_image, k, origin)
        if corners is not None:
            spans.append((i, count, count + len(corners)))
            chunks.append(corners)
            count += len(corners)
    if not spans:
        return
    # One concatenation of each detection's (n, 2) block: building the array from a list
    # of single points converted each point on its own.
    now = np.concatenate(chunks)
    before, ok, _ = cv2.calcOpticalFlowPyrLK(now_image, before_image, now, None, **_LK)
    again, ok2, _ = cv2.calcOpticalFlowPyrLK(before_image, now_image, before, None, **_LK)
    good = (ok.ravel() == 1) & (ok2.ravel() == 1) & (
        np.linalg.norm(again - now, axis=1) < FB_ERROR_PX)
    for i, start, end in spans:
        keep = good[start:end]
        if np.count_nonzero(keep) < MIN_POINTS:
            continue
        scale = _pairwise_scale(now[start:end][keep], before[start:end][keep])
        if scale is not None:
            growth, sigma = growth_at_frame(*scale, dt)
            out[i] = replace(out[i], growth=growth, growth_sigma=sigma)


def growth_at_frame(scale: float, log_sigma: float, dt: float) -> tuple[float, float]:
    """The growth rate at the newer frame, and its sigma, from the image's scale change
    ``scale`` (its log known to ``log_sigma``) over the ``dt`` seconds between two frames.

    An image's size goes as 1 / distance, so at a steady closing speed it grows by exactly
    1 + g dt over dt, g being the rate at the newer frame: g = (scale - 1) / dt. The mean
    rate ln(scale) / dt is the rate at the middle of the interval, and an approach's rate
    quickens (dg/dt = g^2): read as the rate now, it lagged by g^2 dt / 2, measured as 4 to
    14 % too slow a growth, the larger the nearer, over the rendered scenes (more on a slow
    board, whose frames lie further apart). The tracker's scale axis predicts the same steady
    approach (core.tracking.ScaleAxis).
    """
    return (scale - 1.0) / dt, scale * log_sigma / dt


def _corners(box: tuple[float, float, float, float], gray: np.ndarray, k: float,
             origin: tuple[int, int]) -> np.ndarray | None:
    """Corners to follow inside ``box`` (frame pixels; shrunk away from the background), in
    the pixels of ``gray`` (``k`` per frame pixel, starting at ``origin``)."""
    x1, y1, x2, y2 = box[0] * k - origin[0], box[1] * k - origin[1], \
        box[2] * k - origin[0], box[3] * k - origin[1]
    w, h = x2 - x1, y2 - y1
    if min(w, h) < MIN_BOX_PX:
        return None
    height, width = gray.shape
    left, right = max(int(x1 + SHRINK * w), 0), min(int(x2 - SHRINK * w), width)
    top, bottom = max(int(y1 + SHRINK * h), 0), min(int(y2 - SHRINK * h), height)
    if right - left < 8 or bottom - top < 8:
        return None
    corners = cv2.goodFeaturesToTrack(gray[top:bottom, left:right], MAX_POINTS, 0.01, 3)
    if corners is None or len(corners) < MIN_POINTS:
        return None
    return corners.reshape(-1, 2) + np.float32([left, top])


def _pairwise_scale(now: np.ndarray, before: np.ndarray) -> tuple[float, float] | None:
    """Median of the ratios of pairwise distances, and the robust sigma of their logs."""
    i, j = _pairs(len(now))
    # Both frames' points side by side: one gather per end of a pair instead of two. The
    # distances are computed as np.linalg.norm does (float32 squares, summed, square root),
    # so they are the same numbers, only without its overhead.
    diff = np.concatenate((now, before), axis=1)
    diff = diff[i] - diff[j]
    diff *= diff
    d_now = np.sqrt(diff[:, 0] + diff[:, 1])
    d_before = np.sqrt(diff[:, 2] + diff[:, 3])
    keep = (d_before > MIN_PAIR_PX) & (d_now > MIN_PAIR_PX)
    if np.count_nonzero(keep) < MIN_POINTS:
        return None
    logs = np.log(d_now[keep] / d_before[keep])
    centre = _median(logs)
    mad = _median(np.abs(logs - centre))
    # The median of n ratios is known to about 1.25 sigma / sqrt(n); pairs share points, so
    # count the points, not the pairs.
    sigma = 1.4826 * mad * 1.25 / math.sqrt(len(now)) + 0.002
    return math.exp(centre), sigma


@functools.cache
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j), i < j, of the pairs of ``n`` points: made once per n (at most
    MAX_POINTS + 1 of them), not per object and frame."""
    i, j = np.triu_indices(n, k=1)
    i.flags.writeable = j.flags.writeable = False  # shared by every call with this n
    return i, j


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D float32 array, bit for bit: the same partition and the same
    float32 mean of the middle two, without its generic machinery (it runs twice per object
    and frame, and the machinery cost more than the partition). No NaN check: the values are
    logs of ratios of distances above MIN_PAIR_PX, always finite."""
    half = len(values) // 2
    if len(values) % 2:
        return float(np.partition(values, half)[half])
    middle = np.partition(values, (half - 1, half))
    return float((middle[half - 1] + middle[half]) / np.float32(2))
