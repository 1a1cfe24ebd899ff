"""The timestamped messages that flow between the edges and the core.

Every message carries ``t``: the monotonic capture time in seconds (on the device,
``time.monotonic()`` at the moment of capture or measurement; in a replay, the recorded time).
The core never reads a clock: it only compares these ``t`` values.

Directions: the camera and rangefinder look the way the runner is travelling, which is
behind the runner's back. ``bearing_deg`` is measured from the camera's optical axis,
positive to the camera's right (image right). Because the runner faces the other way,
image right is the runner's LEFT side; :func:`body_side` does that mirror in one place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]
"""x1, y1, x2, y2 in the frame's own pixel coordinates."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One camera image: BGR uint8, height x width x 3, as OpenCV holds it."""

    t: float
    index: int
    image: np.ndarray = field(repr=False)
    # Where this picture's top-left corner sits in the camera's frame: (0, 0) but for a
    # window cut from it (the far view's).
    origin: tuple[int, int] = (0, 0)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class RangeReading:
    """One rangefinder measurement.

    ``distance_m`` is None when the sensor heard no echo: nothing within range, never 0 m and
    never the sensor's maximum.
    """

    t: float
    sensor: str
    distance_m: float | None


@dataclass(frozen=True, slots=True)
class Detection:
    """One object the detector found in one frame."""

    label: str
    class_id: int
    score: float
    box: Box  # in the full frame's pixels, whichever view found it
    view: str = "full"  # "full" (the whole frame) or "far" (rearguard.detection.farview)
    # How fast the object's image grows, d ln(size)/dt per second, measured from its own pixels
    # against the previous frame the detector saw (rearguard.detection.scale), with its
    # standard deviation; None when it could not be measured (a new object, too few features).
    growth: float | None = None
    growth_sigma: float | None = None
    # Frame pixels per pixel of the network's input, in the view that found it: how coarse its
    # box edges are (a full view at 320 px of a 1280 px frame: 4; its far view: 2).
    input_px: float = 1.0
    # What it looks like: a hue-saturation histogram of its box's middle, summing to 1
    # (rearguard.detection.appearance); None when not measured (too small, a grey camera).
    appearance: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class DetectionSet:
    """Everything the detector found in the frame captured at ``t``."""

    t: float
    frame_index: int
    frame_size: tuple[int, int]  # (width, height) of the frame the boxes refer to
    detections: tuple[Detection, ...]
    # The far view looked at this frame too (rearguard.detection.farview): what it did not
    # find, it missed. A full view alone is no evidence about an object only the far view sees.
    far_looked: bool = False
    # Boxes scored below the model's threshold but above detector.weak_score_threshold (in a
    # frame's merged set, the far view's alone: detection/farview.py): the pixel meters
    # measure them, the tracker gathers evidence for new tracks from them, nothing else sees
    # them.
    weak: tuple[Detection, ...] = ()
    sure_score: float = 0.0  # the score that put a box in detections rather than weak


class ObstacleSource(enum.StrEnum):
    CAMERA = "camera"  # seen by the detector only
    RANGER = "ranger"  # an echo with no camera track: something the detector has no class for
    FUSED = "fused"  # a camera track confirmed and corrected by the rangefinder


@dataclass(frozen=True, slots=True)
class Obstacle:
    """Something in the runner's path, as the core understands it at time ``t``.

    Fields that cannot be estimated yet are None (absent), never 0.
    """

    t: float
    track_id: int
    label: str  # a detector class name, or "unknown" for a rangefinder-only echo
    source: ObstacleSource
    box: Box | None
    distance_m: float | None
    bearing_deg: float | None
    closing_speed_mps: float | None  # positive when it gets nearer
    time_to_contact_s: float | None
    lateral_speed_mps: float | None = None  # sideways, positive towards image right
    lateral_m: float | None = None  # its centre's offset from the runner's path, judged over time
    half_width_m: float | None = None  # half its width, metres
    # The camera measured its distance at its last detection: False while the frame cuts its
    # box or it is hidden, when silence about its approach is not evidence of safety.
    measured: bool = True
    # What the rangefinder itself reads of it, metres (filtered): the echo alone, not the
    # camera's estimate it corrected. None when no echo explains it.
    echo_m: float | None = None
    # How well the closing speed is known (one sigma, m/s); None when not estimated. A fresh
    # distance estimate (after another object took its box over) reads 0 +- 12 m/s.
    closing_sigma_mps: float | None = None
    # How well the time to contact is known (one sigma, seconds); None with no time to contact
    # or when only an echo times it.
    time_to_contact_sigma_s: float | None = None
    # When its distance was last measured (a box that gave one, or an echo): looks with the
    # same time rest on the same measurement. None: unknown, each look counts as new.
    measured_t: float | None = None


class AlertLevel(enum.IntEnum):
    """How urgent the most urgent obstacle is. Ordered: a larger value is more urgent."""

    CLEAR = 0
    CAUTION = 1
    WARNING = 2
    DANGER = 3


class BodySide(enum.StrEnum):
    """A side of the runner's own body, where a motor sits on the back."""

    LEFT = "left"
    CENTRE = "centre"
    RIGHT = "right"


def body_side(bearing_deg: float | None, centre_half_width_deg: float = 10.0) -> BodySide:
    """Which side of the runner's body an obstacle at ``bearing_deg`` is on.

    The camera faces the way of travel, the runner faces the other way: image right is the
    runner's left.
    """
    if bearing_deg is None or abs(bearing_deg) <= centre_half_width_deg:
        return BodySide.CENTRE
    return BodySide.LEFT if bearing_deg > 0 else BodySide.RIGHT


class Stage(enum.StrEnum):
    """The parts of the device whose health the supervisor watches."""

    CAMERA = "camera"
    RANGER = "ranger"
    DETECTOR = "detector"
    HAPTICS = "haptics"
    STORAGE = "storage"  # the recording disk: lost when recording stopped (full, read-only)


@dataclass(frozen=True, slots=True)
class Health:
    """Which stages are working at time ``t``. The policy turns a lost stage into a pattern."""

    t: float
    lost: frozenset[Stage] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.lost


@dataclass(frozen=True, slots=True)
class AlertCommand:
    """What the haptics should play now. ``pattern`` names a pattern in the haptic language."""

    t: float
    level: AlertLevel
    pattern: str
    side: BodySide = BodySide.CENTRE
