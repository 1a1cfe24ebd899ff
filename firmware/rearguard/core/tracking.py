"""Multi-object tracking: detections in single frames become tracks with stable identities.

Each track is a constant-velocity Kalman filter on the box centre (u, v) and the logarithm of
its height, l = ln(h), with their rates (three independent 2-state filters, see ``Axis``).
The rate of l is what makes time to contact possible without any calibration: an object
approaching at constant speed grows as 1/Z, so dl/dt = closing speed / Z = 1 / time_to_contact.

Time, not frame count, drives everything: prediction uses the real interval since the last
update, and a track is dropped when it has not been seen for ``drop_after_s`` -- so frames the
detector dropped are just a longer interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rearguard.config.schema import TrackingConfig
from rearguard.messages import Box, Detection, DetectionSet

# Process noise: how fast the box's velocity and growth rate may change (white acceleration).
ACCEL_PX = 400.0  # px/s^2 for the centre (people swerve, the camera bobs)
ACCEL_LOG = 1.5  # 1/s^2 for ln(height): an approach that speeds up or brakes
# Measurement noise: a detector's box wanders by a few percent of its size.
CENTRE_NOISE = 0.05  # of the box height
LOG_HEIGHT_NOISE = 0.04
ASPECT_SMOOTHING = 0.3


def _box_state(box: Box) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = box
    h = max(y2 - y1, 1.0)
    return (x1 + x2) / 2, (y1 + y2) / 2, math.log(h), (x2 - x1) / h


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class Axis:
    """A constant-velocity Kalman filter on one coordinate: value and rate, in plain floats.

    The box's three coordinates (u, v, ln h) move independently, so the 6-state filter splits
    into three 2-state ones; scalar arithmetic keeps the per-frame cost in microseconds.
    """

    __slots__ = ("p00", "p01", "p11", "rate", "value")

    def __init__(self, value: float, value_var: float, rate_var: float):
        self.value, self.rate = value, 0.0
        self.p00, self.p01, self.p11 = value_var, 0.0, rate_var

    def predicted(self, dt: float) -> float:
        return self.value + self.rate * dt

    def predict(self, dt: float, accel: float) -> None:
        """Move ``dt`` seconds ahead under white acceleration ``accel`` (variance grows)."""
        a2 = accel * accel
        self.p00 += dt * (2 * self.p01 + dt * self.p11) + a2 * dt ** 4 / 4
        self.p01 += dt * self.p11 + a2 * dt ** 3 / 2
        self.p11 += a2 * dt * dt
        self.value += self.rate * dt

    def correct(self, measured: float, noise_var: float) -> None:
        s = self.p00 + noise_var
        k0, k1 = self.p00 / s, self.p01 / s
        innovation = measured - self.value
        self.value += k0 * innovation
        self.rate += k1 * innovation
        self.p00, self.p01, self.p11 = ((1 - k0) * self.p00, (1 - k0) * self.p01,
                                        self.p11 - k1 * self.p01)

    def step(self, dt: float, accel: float, measured: float, noise_var: float) -> None:
        self.predict(dt, accel)
        self.correct(measured, noise_var)


@dataclass
class Track:
    """One object followed across frames."""

    track_id: int
    label: str
    t: float  # time of the last update
    u: Axis  # box centre x, pixels
    v: Axis  # box centre y, pixels
    log_h: Axis  # ln(box height in pixels)
    aspect: float  # width / height, smoothed
    hits: int = 1
    last_seen: float = 0.0
    score: float = 0.0
    first_seen: float = 0.0

    def box_at(self, t: float) -> Box:
        """The box predicted for time ``t`` (no update)."""
        dt = t - self.t
        h = math.exp(self.log_h.predicted(dt))
        u, v, w = self.u.predicted(dt), self.v.predicted(dt), h * self.aspect
        return (u - w / 2, v - h / 2, u + w / 2, v + h / 2)

    @property
    def box(self) -> Box:
        return self.box_at(self.t)

    @property
    def growth_rate(self) -> float:
        """d ln(height) / dt, per second: positive while the object gets nearer."""
        return self.log_h.rate

    @property
    def growth_rate_sigma(self) -> float:
        return math.sqrt(max(self.log_h.p11, 0.0))


class Tracker:
    """Associates each frame's detections with tracks (greedy by IoU, same class)."""

    def __init__(self, config: TrackingConfig, labels: set[str] | frozenset[str]):
        self.config = config
        self.labels = frozenset(labels)  # classes worth tracking (obstacles)
        self.tracks: list[Track] = []
        self._next_id = 1

    def update(self, ds: DetectionSet) -> list[Track]:
        """Fold in one frame's detections; returns the tracks updated by this frame."""
        t = ds.t
        self.tracks = [tr for tr in self.tracks if t - tr.last_seen <= self.config.drop_after_s]
        detections = [d for d in ds.detections if d.label in self.labels]
        pairs = self._associate(detections, t)
        updated = []
        matched = set()
        for track, det in pairs:
            self._correct(track, det, t)
            matched.add(id(det))
            updated.append(track)
        for det in detections:
            if id(det) not in matched:
                track = self._start(det, t)
                self.tracks.append(track)
                updated.append(track)
        return updated

    def confirmed(self, track: Track) -> bool:
        return track.hits >= self.config.confirm_hits

    def _associate(self, detections: list[Detection], t: float) -> list[tuple[Track, Detection]]:
        candidates = []
        for track in self.tracks:
            predicted = track.box_at(t)
            for det in detections:
                if det.label == track.label:
                    overlap = iou(predicted, det.box)
                    if overlap >= self.config.match_iou:
                        candidates.append((overlap, track.track_id, track, det))
        candidates.sort(key=lambda c: (-c[0], c[1]))  # best overlap first; ties by id
        pairs, used_tracks, used_dets = [], set(), set()
        for _, _, track, det in candidates:
            if id(track) not in used_tracks and id(det) not in used_dets:
                pairs.append((track, det))
                used_tracks.add(id(track))
                used_dets.add(id(det))
        return pairs

    def _start(self, det: Detection, t: float) -> Track:
        u, v, log_h, aspect = _box_state(det.box)
        h = math.exp(log_h)
        centre_var, speed_var = (CENTRE_NOISE * h) ** 2, (0.5 * h) ** 2
        track = Track(self._next_id, det.label, t, Axis(u, centre_var, speed_var),
                      Axis(v, centre_var, speed_var), Axis(log_h, LOG_HEIGHT_NOISE ** 2, 1.0),
                      aspect, last_seen=t, score=det.score, first_seen=t)
        self._next_id += 1
        return track

    def _correct(self, track: Track, det: Detection, t: float) -> None:
        dt = max(t - track.t, 0.0)
        u, v, log_h, aspect = _box_state(det.box)
        centre_var = (CENTRE_NOISE * math.exp(log_h)) ** 2
        track.u.step(dt, ACCEL_PX, u, centre_var)
        track.v.step(dt, ACCEL_PX, v, centre_var)
        track.log_h.step(dt, ACCEL_LOG, log_h, LOG_HEIGHT_NOISE ** 2)
        track.aspect += ASPECT_SMOOTHING * (aspect - track.aspect)
        track.t = track.last_seen = t
        track.hits += 1
        track.score = det.score
