"""The camera's pitch, from the people it sees (``rearguard mounting``).

The ground cue (``geometry.distance_from_ground``) needs the camera's pitch, and a pitch
written down is a guess: a strap sits a few degrees differently on every run. Measured with
``rearguard evaluate --pitch-off 3``, 3 degrees off takes the Pi 4 from 14 to 10 of 17
approaches warned of in time.

Every whole, standing person says where the horizon is (Hoiem, Efros and Hebert, "Putting
objects in perspective", CVPR 2006, find the horizon from people and cars the same way). The
rays through his head's and his feet's rows dip below the horizontal by the pitch plus each
row's angle off the axis, ``a``; their tangents are ``(camera height - 1.7) / Z`` and
``camera height / Z``. Two equations, two unknowns (his distance and the pitch): with
``u = tan(pitch)`` and ``tan(pitch + a) = (u + tan a) / (1 - u tan a)`` they make a quadratic
in ``u`` (``_pitch_of``). Seen from about his own height that is the familiar
``Z = fy * 1.7 / h`` and his feet ``atan(camera height / Z)`` below the horizon; from a camera
high above him (CCTV on a wall) it also holds, where that shortcut read the pitch low. One
person's samples share his own height's error (8 %, ``HEIGHT_SPREAD``), which no number of
frames averages away, so each track counts once; a weighted median over tracks, then a mean
of those near it, leaves out the sitting, the children and boxes of half a person.

Learnt on the fly from the people in view, the pitch made the alerts worse on the wall
cameras' footage (README, "A mounting written off"); as a measurement of a recording from the
runner's back it is what a maker needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rearguard.core.geometry import (
    EDGE_MARGIN_PX,
    HEIGHT_SPREAD,
    PITCH_SPREAD_DEG,
    CameraIntrinsics,
)
from rearguard.messages import Box

# A person's box shorter than this (frame pixels) places his feet too coarsely to say much.
MIN_PERSON_PX = 24.0
# Farther than this (metres, by his height) his feet are a pixel or two from the horizon.
MAX_DISTANCE_M = 30.0
# A track whose pitch stands further than this many of its sigmas from the others' centre is
# not a standing adult (sitting, a child, half a person): left out.
OUTLIER_SIGMAS = 3.0


@dataclass(frozen=True, slots=True)
class PitchReading:
    """What the people said: the pitch in degrees (looking down positive), its sigma, and how
    many people it rests on (and how many were left out)."""

    pitch_deg: float
    sigma_deg: float
    people: int
    left_out: int


@dataclass(slots=True)
class _Person:
    """One track's samples: their mean pitch, and their error: the part his own height puts on
    every sample alike, and the gait's pitch, which averages over frames (radians)."""

    pitch_sum: float = 0.0
    height_sigma_sum: float = 0.0
    samples: int = 0

    @property
    def pitch(self) -> float:
        return self.pitch_sum / self.samples

    @property
    def var(self) -> float:
        return ((self.height_sigma_sum / self.samples) ** 2
                + math.radians(PITCH_SPREAD_DEG) ** 2 / self.samples)


class PitchFromPeople:
    """Samples of the pitch from person tracks' boxes, and the pitch they agree on."""

    def __init__(self, camera_height_m: float, person_height_m: float = 1.7):
        self.camera_height_m = camera_height_m
        self.person_height_m = person_height_m
        self._people: dict[int, _Person] = {}

    def add(self, track_id: int, box: Box, k: CameraIntrinsics) -> bool:
        """One box of a person track (frame pixels); False when it says nothing (cut by the
        frame, too small, too far)."""
        top, bottom = box[1], box[3]
        pixels = bottom - top
        if top <= EDGE_MARGIN_PX or bottom >= k.height - EDGE_MARGIN_PX \
                or pixels < MIN_PERSON_PX:
            return False
        h = self.camera_height_m
        feet = math.atan2(bottom - k.cy, k.fy)  # below the optical axis
        pitch = _pitch_of(math.atan2(top - k.cy, k.fy), feet, h, self.person_height_m)
        if pitch is None:
            return False
        distance = h / math.tan(pitch + feet)
        if distance > MAX_DISTANCE_M:
            return False
        person = self._people.setdefault(track_id, _Person())
        person.pitch_sum += pitch
        # His height's 8 % moves the feet's angle by d(atan(h / Z)) = h Z / (Z^2 + h^2) dZ / Z.
        person.height_sigma_sum += h * distance / (distance ** 2 + h ** 2) * HEIGHT_SPREAD
        person.samples += 1
        return True

    def reading(self) -> PitchReading | None:
        """The pitch the people agree on, or None before anyone said anything."""
        people = list(self._people.values())
        if not people:
            return None
        centre = _weighted_median([(p.pitch, 1.0 / p.var) for p in people])
        kept = [p for p in people if abs(p.pitch - centre) <= OUTLIER_SIGMAS * math.sqrt(p.var)]
        weight = sum(1.0 / p.var for p in kept)
        pitch = sum(p.pitch / p.var for p in kept) / weight
        return PitchReading(math.degrees(pitch), math.degrees(math.sqrt(1.0 / weight)),
                            len(kept), len(people) - len(kept))


def _pitch_of(head: float, feet: float, camera_m: float, person_m: float) -> float | None:
    """The pitch (radians, looking down positive) at which an upright person ``person_m``
    tall, whose head and feet are seen ``head`` and ``feet`` radians below the optical axis,
    stands on the ground ``camera_m`` below the lens; None when none fits (his feet would be
    at or above the horizon: not a standing person, or not on this ground).

    tan(pitch + head) = (camera_m - person_m) / Z and tan(pitch + feet) = camera_m / Z; with
    u = tan(pitch), ``A u^2 + B u + C = 0``.
    """
    tt, tb = math.tan(head), math.tan(feet)
    h, rest = camera_m, camera_m - person_m
    a = rest * tt - h * tb
    b = person_m * (1.0 - tt * tb)
    c = h * tt - rest * tb
    if abs(a) < 1e-12:
        roots = [-c / b] if b else []
    else:
        disc = b * b - 4 * a * c
        if disc < 0:
            return None
        root = math.sqrt(disc)
        roots = [(-b + root) / (2 * a), (-b - root) / (2 * a)]
    # The root whose feet lie below the horizon, nearest level (the other is a camera
    # turned past the vertical).
    fits = [math.atan(u) for u in roots if math.atan(u) + feet > 0.0]
    return min(fits, key=abs) if fits else None


def _weighted_median(values: list[tuple[float, float]]) -> float:
    """The value below which half the weight lies."""
    ordered = sorted(values)
    half = sum(w for _, w in ordered) / 2
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0]
