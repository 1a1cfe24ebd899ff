"""Where an obstacle is: the lens model, distance from two cues, and bearing.

Camera Module 3 defaults (Raspberry Pi's published figures; sensor Sony IMX708, 4608 x 2592
pixels of 1.4 um, full field of view in the binned video modes):

| lens            | focal length | horizontal x vertical FoV | fx at 4608 px wide |
|-----------------|--------------|---------------------------|--------------------|
| ``cm3-normal``  | 4.74 mm      | 66 x 41 degrees           | 3386 px            |
| ``cm3-wide``    | 2.75 mm      | 102 x 67 degrees          | 1964 px            |

The wide lens bends straight lines near the edges; treated as a pinhole here, its distances
are a few percent off near the sides. Calibrate (``rearguard calibrate``) for better; the
calibration file is read by ``rearguard.config.lens``, never here: the core reads no files.

Distance comes from two cues, combined by their uncertainties (inverse-variance weighting):

- **height**: ``Z = fy * real_height / box_height`` for a level camera (pitched, the rows'
  angles below the horizontal: ``distance_from_height``). Needs the class's typical height; good at
  any range, off by how far the object differs from typical (a child, a recumbent bike).
- **ground contact**: the bottom of the box is where the object stands. With the camera's height
  ``h`` and pitch, the ray through that row meets the ground at ``Z = h / tan(pitch + angle)``.
  Needs no class, but a runner's gait rocks the pitch by a degree or two, which matters more the
  farther the object is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rearguard.config.schema import MountingConfig
from rearguard.messages import Box

SENSOR_WIDTH_PX, SENSOR_HEIGHT_PX, PIXEL_MM = 4608, 2592, 0.0014
LENS_FOCAL_MM = {"cm3-normal": 4.74, "cm3-wide": 2.75}

HEIGHT_SPREAD = 0.08  # relative spread of real heights within a class (people: 1.55-1.85 m)
BOX_EDGE_PX = 2.0  # how far a detector's box edge wanders at least, frame pixels
# ... and in pixels of the network's input: a box found in a shrunk view is as coarse as the
# view (YOLOX regresses edges on an 8-pixel grid of its input; about one input pixel of
# wander, measured on walkers 20 m away: heights of 59-81 px in a 320 px view of 1280).
BOX_EDGE_INPUT_PX = 1.0
PITCH_SPREAD_DEG = 1.5  # how much the gait rocks the camera's pitch
MIN_GROUND_ANGLE_DEG = 0.5  # rays flatter than this meet the ground too far away to trust
EDGE_MARGIN_PX = 5.0  # a box within this of the frame's edge is cut off by it
# At the frame's sides, a box is cut off within this many of its edges' wander (box_edge_px)
# of the edge, if that is more: the network puts the edge of an object leaving the picture
# where its coarse grid does, short of the frame's edge in a shrunk view (a parked car passing
# out of a 1280 px frame, found at 320 px: x2 = 1276, which read as a box that shrank).
CUT_EDGE_WANDERS = 2.0


@dataclass(frozen=True, slots=True)
class CameraIntrinsics:
    """A pinhole camera: focal lengths and principal point in pixels, for one image size."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def scaled_to(self, width: int, height: int) -> CameraIntrinsics:
        """The same camera seen through an image of another size (binned or resized stream).

        Pixels stay square: a stream of another aspect ratio is the sensor's image cropped to
        that shape about its centre and scaled to fill it (what the ISP does for a 4:3 stream
        from a 16:9 mode), so one scale serves both axes and the principal point moves with
        the crop. Scaling the axes separately would squash every object and put it about twice
        as near on a 4:3 clip.
        """
        if (width, height) == (self.width, self.height):
            return self
        s = max(width / self.width, height / self.height)
        cx = width / 2 + (self.cx - self.width / 2) * s
        cy = height / 2 + (self.cy - self.height / 2) * s
        return CameraIntrinsics(self.fx * s, self.fy * s, cx, cy, width, height)


def lens_intrinsics(lens: str) -> CameraIntrinsics:
    """A Camera Module 3 lens at the sensor's full size (square pixels, centred)."""
    f = LENS_FOCAL_MM[lens] / PIXEL_MM
    return CameraIntrinsics(f, f, SENSOR_WIDTH_PX / 2, SENSOR_HEIGHT_PX / 2, SENSOR_WIDTH_PX,
                            SENSOR_HEIGHT_PX)


def intrinsics_from_hfov(hfov_deg: float, width: int, height: int) -> CameraIntrinsics:
    """A centred pinhole with square pixels whose picture spans ``hfov_deg`` horizontally.

    For clips from a camera nobody calibrated (a phone, an action camera): its horizontal field
    of view is usually on the maker's data sheet.
    """
    f = width / 2 / math.tan(math.radians(hfov_deg) / 2)
    return CameraIntrinsics(f, f, width / 2, height / 2, width, height)


@dataclass(frozen=True, slots=True)
class DistanceEstimate:
    """A distance in metres with its standard deviation, and the part of it that changes from
    frame to frame (``noise``: box edges, the gait's pitch). The rest is the same error at
    every frame (a person taller than the class's height): it makes the distance wrong by a
    fixed factor, not a speed, and a filter must not average it away as if it were noise."""

    metres: float
    sigma: float
    noise: float


def bearing_deg(k: CameraIntrinsics, x: float) -> float:
    """Bearing of image column ``x``: degrees from the optical axis, positive to image right."""
    return math.degrees(math.atan2(x - k.cx, k.fx))


def box_edge_px(input_px: float) -> float:
    """How far a box edge wanders, frame pixels, for a view of ``input_px`` frame pixels per
    input pixel."""
    return max(BOX_EDGE_PX, BOX_EDGE_INPUT_PX * input_px)


def side_cut_margin_px(edge_px: float = BOX_EDGE_PX) -> float:
    """How near the frame's side a box edge is cut off by it, frame pixels, for a box whose
    edges wander ``edge_px`` (``box_edge_px``)."""
    return max(EDGE_MARGIN_PX, CUT_EDGE_WANDERS * edge_px)


def distance_from_height(k: CameraIntrinsics, box: Box, real_height_m: float,
                         edge_px: float = BOX_EDGE_PX,
                         pitch_deg: float = 0.0) -> DistanceEstimate | None:
    """Depth from the box's height in pixels; None when the box is cut by the frame edge.

    An upright object of ``real_height_m`` standing ``Z`` away: the rays through the box's
    bottom and top rows dip below the horizontal by angles whose tangents differ by H / Z,
    each angle the camera's ``pitch_deg`` (down) plus the row's angle off the axis. Level, that
    is ``Z = fy * H / pixels``; pitched, rows away from the axis spread as the square of the
    secant. The level formula read a cyclist 30 m up the path 29.2 m away (a runner's camera
    1.1 m up, 10 degrees down), and a person 3 m from a wall-mounted camera (2.5 m up, 30
    degrees down) 3.84 m away (``tests/tracking/test_geometry.py``).

    ``edge_px``: how far each box edge wanders (``box_edge_px``), frame pixels."""
    top, bottom = box[1], box[3]
    if top <= EDGE_MARGIN_PX or bottom >= k.height - EDGE_MARGIN_PX:
        return None  # a box cut by the frame is shorter than the object
    pixels = bottom - top
    if pixels < 4:
        return None
    pitch = math.radians(pitch_deg)
    spread = math.tan(pitch + math.atan2(bottom - k.cy, k.fy)) - \
        math.tan(pitch + math.atan2(top - k.cy, k.fy))
    if spread <= 0:
        return None
    z = real_height_m / spread
    edges = 2 * edge_px / pixels
    return DistanceEstimate(z, z * math.hypot(HEIGHT_SPREAD, edges), z * edges)


def distance_from_ground(k: CameraIntrinsics, box: Box, mounting: MountingConfig,
                         edge_px: float = BOX_EDGE_PX) -> DistanceEstimate | None:
    """Horizontal distance to where the box meets the ground; None if that is not visible."""
    bottom = box[3]
    if bottom >= k.height - EDGE_MARGIN_PX:
        return None  # feet below the frame: the contact point is not seen
    below_axis = math.atan2(bottom - k.cy, k.fy)
    angle = math.radians(mounting.pitch_deg) + below_axis
    if angle < math.radians(MIN_GROUND_ANGLE_DEG):
        return None  # at or above the horizon
    z = mounting.height_m / math.tan(angle)
    # dZ/dangle = -h / sin^2(angle); angle error from the gait's pitch and the box edge.
    sigma_angle = math.hypot(math.radians(PITCH_SPREAD_DEG), edge_px / k.fy)
    # Taken at the cue's own reading, a row the gait's pitch moved down (nearer) counts for
    # more than one it moved up: under a hard bounce the distance reads near (a walker 26 m
    # away, 22 m). Taken at the height cue's or the filter's distance instead, it leaned
    # elevated views on the height cue, which reads foreshortened people far: false WARNINGs
    # on elevated footage went from 0 to 8-14 per 10 minutes (2026-12-03). So: its own.
    sigma = mounting.height_m / math.sin(angle) ** 2 * sigma_angle
    return DistanceEstimate(z, sigma, sigma)  # the gait's pitch and the edge: every frame anew


def combine(*estimates: DistanceEstimate | None) -> DistanceEstimate | None:
    """Inverse-variance weighted mean of the available estimates."""
    usable = [e for e in estimates if e is not None and e.sigma > 0]
    if not usable:
        return None
    weights = [1.0 / e.sigma ** 2 for e in usable]
    total = sum(weights)
    metres = sum(w * e.metres for w, e in zip(weights, usable, strict=True)) / total
    noise = math.sqrt(sum((w / total * e.noise) ** 2
                          for w, e in zip(weights, usable, strict=True)))
    return DistanceEstimate(metres, math.sqrt(1.0 / total), noise)
