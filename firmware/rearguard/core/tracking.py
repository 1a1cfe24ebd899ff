"""Multi-object tracking: detections in single frames become tracks with stable identities.

Each track is a constant-velocity Kalman filter on the box centre (u, v) and the logarithm of
its height, l = ln(h), with their rates (three independent 2-state filters, see ``Axis``).
The rate of l is what makes time to contact possible without any calibration: an object
approaching at constant speed grows as 1/Z, so dl/dt = closing speed / Z = 1 / time_to_contact.

Boxes join tracks by overlap or closeness; among boxes that fit a track about as well, the one
whose colours (``Detection.appearance``) look like the track's wins, so two people side by side
keep their identities when one hides the other. The far view's weak boxes (scored below the
model's threshold, ``DetectionSet.weak``) only gather evidence for tracks that are not
obstacles yet (``Tracker.confirmed``).

Time, not frame count, drives everything: prediction uses the real interval since the last
update, and a track is dropped when it has not been seen for ``drop_after_s`` -- so frames the
detector dropped are just a longer interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rearguard.config.schema import TrackingConfig
from rearguard.core.geometry import box_edge_px, side_cut_margin_px
from rearguard.messages import Box, Detection, DetectionSet

# Process noise: how fast the box's velocity and growth rate may change (white acceleration).
ACCEL_PX = 400.0  # px/s^2 for the centre (people swerve, the camera bobs)
# For ln(height), 1/s^2: the scale axis already predicts a steady approach (ScaleAxis), so
# this is only an approach that speeds up or brakes, a/d: a walker changing pace by 1 m/s^2 at
# 2-3 m, a car braking at 5 m/s^2 at 10 m.
ACCEL_LOG = 0.5
# Measurement noise: a detector's box wanders by a few percent of its size.
CENTRE_NOISE = 0.05  # of the box height
# The gait rocks the camera's pitch by a degree or two: every box jumps up and down by a few
# percent of the frame height. To the tracker that is noise on v, not motion.
GAIT_BOB = 0.035  # of the frame height
LOG_SIZE_NOISE = 0.03  # relative size error of a large box
EDGE_PX = 2.0  # a box edge wanders this much whatever the box's size
ASPECT_SMOOTHING = 0.3
SIZE_JUMP = 0.25  # ln(size) change never taken as motion in one update (28 % bigger or smaller)
OUTLIER_GATE = 2.5  # a box size (or distance) this many sigmas off pulls no harder (Axis.correct)
# A box this much inside two others' boxes, each a good part of it, is made of them (_group_box).
GROUP_INSIDE, GROUP_PART = 0.7, 0.2
# A smaller box that jumped in size with this much of it where its track was predicted, clear
# of the frame's edges, is a part of the object (the rest hidden, or missed): ``Track.part``.
PART_INSIDE = 0.9
CROSS_LABEL_IOU = 0.5  # another class's box this close to a track's prediction is its object
CROSS_LABEL_PENALTY = 0.3  # a same-class box of near overlap still wins
# An unseen object strays from its coasting prediction by up to this many of its box's heights
# per second unseen (a walker covers about one height a second; the track's velocity is known
# to a fraction of that).
COAST_SLACK = 0.5
# Among boxes that fit a track, one that looks unlike it (Hellinger distance of their colour
# histograms, 0..1: two people in different clothes 0.4-0.7, one person frame to frame under
# 0.2) costs this much overlap: it breaks near-ties (two walkers side by side), never a clear
# fit. The track's own histogram follows its boxes with this smoothing.
APPEARANCE_WEIGHT = 0.3
APPEARANCE_SMOOTHING = 0.2
# A box only a coasting track's slack reaches is a weak claim: if it looks this unlike the
# track (other clothes), it is someone else (PETS09: a track whose person was hidden took the
# neighbour's box, at 0.59, and the ids traded).
COAST_UNLIKE = 0.45
# Association tiers, settled in this order (see ``Tracker._associate``).
TIER_CONFIRMED, TIER_TENTATIVE, TIER_COASTING, TIER_TAKEOVER, TIER_ROCKED = 0, 1, 2, 3, 4
# A track that only weak boxes (DetectionSet.weak) made claims a sure box after every other:
# a weak box beside a person (his bag, half of him) must not take his next box from him.
TIER_UNSURE = 5
# A box of the track's column and size that the gait rocked this many of its usual bobs
# (``bob_px``) away: the last claim, on a box that would otherwise start a track (_rank).
ROCK_BOBS = 2.0
# A body is not rigid: its pixels' scale differs from its size's by this much (1/s), beyond
# what the optical flow's own spread says.
GROWTH_MODEL_NOISE = 0.15
# Once the pixels time an object, its box's size is a poorer witness of its growth (legs swing,
# occluders uncover): its noise is raised by this factor.
BOX_SIZE_DISTRUST = 3.0


def _box_state(box: Box) -> tuple[float, float, float, float]:
    """Centre (u, v), ln(size) and aspect (width / height) of a box.

    The size is the box's longer side: the height of a person, the length of a bicycle seen
    side-on. More pixels make a steadier scale, and the scale's rate is what gives the time to
    contact.
    """
    x1, y1, x2, y2 = box
    w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    return (x1 + x2) / 2, (y1 + y2) / 2, math.log(max(w, h)), w / h


def _placed(box: Box) -> tuple[Axis, Axis]:
    """A track's centre axes (u, v) placed at ``box``, at rest, give or take half its height a
    second."""
    u, v, log_size, aspect = _box_state(box)
    h = _height_width(log_size, aspect)[0]
    centre_var, speed_var = (CENTRE_NOISE * h) ** 2, (0.5 * h) ** 2
    return Axis(u, centre_var, speed_var), Axis(v, centre_var, speed_var)


def _cut_along_size(det: Detection, aspect: float, frame_size: tuple[int, int]) -> bool:
    """Does the frame's edge cut the box along its longer side (the side that gives its size)?
    At the sides, as near as the view that found it can tell (``side_cut_margin_px``)."""
    x1, y1, x2, y2 = det.box
    if aspect > 1.0:
        margin = side_cut_margin_px(box_edge_px(det.input_px))
        return x1 <= margin or x2 >= frame_size[0] - margin
    return y1 <= EDGE_PX or y2 >= frame_size[1] - EDGE_PX


def _part_of(det: Detection, predicted: Box, frame_size: tuple[int, int]) -> bool:
    """Is ``det`` a part of the object predicted at ``predicted``: smaller, nearly all of it
    within, and clear of the frame's edges (where the frame, not an occluder, cuts boxes)?
    (opencv_vtest, mirrored: a walker's box fell from 82 to 43 px, his upper half, for one
    frame; taken for another object, it voided a distance that had read him receding, and two
    noisy growths of his pixels then gave a WARNING 10 m away.)"""
    x1, y1, x2, y2 = det.box
    px, py = predicted[2] - predicted[0], predicted[3] - predicted[1]
    if (x2 - x1) * (y2 - y1) >= px * py:
        return False
    margin = side_cut_margin_px(box_edge_px(det.input_px))
    if x1 <= margin or x2 >= frame_size[0] - margin or y1 <= EDGE_PX \
            or y2 >= frame_size[1] - EDGE_PX:
        return False
    inside = cover(det.box, predicted).bit_count()
    return inside >= PART_INSIDE * COVER_GRID * COVER_GRID


def _height_width(log_size: float, aspect: float) -> tuple[float, float]:
    size = math.exp(log_size)
    return (size, size * aspect) if aspect <= 1.0 else (size / aspect, size)


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


COVER_GRID = 10  # points per side on which ``cover`` samples a box


def cover(box: Box, other: Box, n: int = COVER_GRID) -> int:
    """Which of ``n`` x ``n`` points spread over ``box`` lie inside ``other``: one bit per
    point, in a plain integer (``|`` unites covers, ``int.bit_count`` counts the points)."""
    x1, y1, x2, y2 = box
    ox1, oy1, ox2, oy2 = other
    cols = 0
    for i in range(n):
        if ox1 <= x1 + (i + 0.5) * (x2 - x1) / n <= ox2:
            cols |= 1 << i
    mask = 0
    for r in range(n):
        if oy1 <= y1 + (r + 0.5) * (y2 - y1) / n <= oy2:
            mask |= cols << (r * n)
    return mask


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

    def correct(self, measured: float, noise_var: float, gate: float = math.inf) -> None:
        """Fold in a measurement of the value.

        ``gate``: a measurement further than this many standard deviations from the estimate
        counts with a variance that grows with the miss (a Huber weight), so however far off
        it is, its pull is bounded. Box edges have heavy tails (a box merged with a bag, a
        head lost against a dark wall): one such box must not become a speed, while a steady
        run of them still moves the estimate within a few frames.
        """
        innovation = measured - self.value
        s = self.p00 + _huber(noise_var, innovation, self.p00, gate)
        k0, k1 = self.p00 / s, self.p01 / s
        self.value += k0 * innovation
        self.rate += k1 * innovation
        self.p00, self.p01, self.p11 = ((1 - k0) * self.p00, (1 - k0) * self.p01,
                                        self.p11 - k1 * self.p01)

    def correct_rate(self, measured: float, noise_var: float, gate: float = math.inf) -> None:
        """Fold in a direct measurement of the rate (not of the value); ``gate`` as for
        ``correct``: one pixel growth far off (points that slid onto a passer-by) must not
        become a time to contact."""
        innovation = measured - self.rate
        s = self.p11 + _huber(noise_var, innovation, self.p11, gate)
        k0, k1 = self.p01 / s, self.p11 / s
        self.value += k0 * innovation
        self.rate += k1 * innovation
        self.p00, self.p01, self.p11 = (self.p00 - k0 * self.p01, self.p01 - k0 * self.p11,
                                        self.p11 - k1 * self.p11)

    def restart_value(self, value: float, value_var: float) -> None:
        """A new value with no memory of the old one, keeping the rate and its variance."""
        self.value, self.p00, self.p01 = value, value_var, 0.0

    def step(self, dt: float, accel: float, measured: float, noise_var: float) -> None:
        self.predict(dt, accel)
        self.correct(measured, noise_var)


def _huber(noise_var: float, innovation: float, prior_var: float, gate: float) -> float:
    """A measurement's variance, grown with its miss beyond ``gate`` sigmas (a Huber weight):
    however far off it is, its pull on the estimate is bounded."""
    s = prior_var + noise_var
    if innovation * innovation > gate * gate * s:
        return noise_var * abs(innovation) / (gate * math.sqrt(s))
    return noise_var


def _close(predicted: Box, box: Box, bob_px: float, slack_px: float = 0.0) -> bool:
    """Near enough in place and size to be the same object even without much overlap.

    A runner's gait rocks the camera, shifting every box up and down by a good part of a
    short box's height (a bicycle seen side-on), and by more than the whole height of a far
    one: ``bob_px`` (two standard deviations of the gait's bob, in frame pixels) is allowed
    whatever the box's size. Overlap alone would lose such a track. ``slack_px`` widens the
    place (not the size) for an object unseen for a while (see ``_coast_slack``).
    """
    if not _same_size(predicted, box):
        return False
    pw, ph = predicted[2] - predicted[0], predicted[3] - predicted[1]
    du = abs((box[0] + box[2]) - (predicted[0] + predicted[2])) / 2
    dv = abs((box[1] + box[3]) - (predicted[1] + predicted[3])) / 2
    return (du <= 0.5 * pw + slack_px
            and dv <= max(0.8 * ph, 0.5 * pw, bob_px) + slack_px)


def _rocked(predicted: Box, box: Box, rock_px: float) -> bool:
    """In the predicted box's column (overlapping it sideways by half the narrower of the two),
    of its size, and at most ``rock_px`` above or below it: the same object, moved by the
    camera. On one ground, a box of the same size is at the same distance, so at the same row
    but for the camera's pitch; in the same column as well, it is at the same place.

    The column is the boxes' overlap, not ``_close``'s distance between centres: a far box is
    a few pixels wide, and a sideways velocity learnt from boxes the stride threw about can
    predict it a box's width off."""
    if not _same_size(predicted, box):
        return False
    narrower = min(predicted[2] - predicted[0], box[2] - box[0])
    sideways = min(predicted[2], box[2]) - max(predicted[0], box[0])
    dv = abs((box[1] + box[3]) - (predicted[1] + predicted[3])) / 2
    return sideways >= 0.5 * narrower and dv <= max(0.8 * (predicted[3] - predicted[1]), rock_px)


def _group_box(det: Detection, taken: Sequence[Detection]) -> bool:
    """Is ``det`` made of two objects of its class that tracks took this frame? Then it is the
    detector's box around both, or across both (one person's head and the other's legs), not a
    third object: as a track of its own it would "grow" from one person's size to the pair's.

    Made of them: at least ``GROUP_INSIDE`` of its area lies inside their boxes, and each of
    two of them makes a good part (``GROUP_PART``) of it.
    """
    x1, y1, x2, y2 = det.box
    if x2 <= x1 or y2 <= y1:
        return False
    points = COVER_GRID * COVER_GRID
    covered, parts = 0, 0
    for other in taken:
        if other.label != det.label:
            continue  # a car behind two people is an object of its own
        inside = cover(det.box, other.box)
        if inside.bit_count() >= GROUP_PART * points:
            parts += 1
            covered |= inside
    return parts >= 2 and covered.bit_count() >= GROUP_INSIDE * points


def _same_size(predicted: Box, box: Box) -> bool:
    """Is ``box`` about the predicted box's height and width (``_similar``)?"""
    pw, ph = predicted[2] - predicted[0], predicted[3] - predicted[1]
    return pw > 0 and ph > 0 and _similar(box[3] - box[1], ph) and _similar(box[2] - box[0], pw)


def _similar(size: float, predicted: float) -> bool:
    """Within 0.7 to 1.4 times the predicted size, net of a few pixels of edge jitter (which
    alone would double a far box's width)."""
    jitter = 2 * EDGE_PX
    return 0.7 * predicted <= size + jitter and size - jitter <= 1.4 * predicted


def _coast_slack(predicted: Box, unseen_s: float) -> float:
    """How far (pixels) an object unseen for ``unseen_s`` may be from its predicted place.

    A missed detection or two (occlusion, a weak frame) leaves the track coasting on its
    velocity, which several jittery boxes only roughly measured; and the object may turn or
    change pace meanwhile. The error grows with the time unseen and, as a walker's pace in
    pixels scales with their size, with the box's height.
    """
    return COAST_SLACK * (predicted[3] - predicted[1]) * unseen_s


class _Prediction:
    """A track's predicted box for this frame, with what ranking its pairs needs of it."""

    __slots__ = ("box", "confirmed", "reach", "slack")

    def __init__(self, box: Box, confirmed: bool, unseen_s: float):
        self.box, self.confirmed = box, confirmed
        self.slack = _coast_slack(box, unseen_s)
        # The farthest sideways a box's centre may be and still pass ``_close`` in a tier this
        # track can take (the coasting slack only for a confirmed one): the same sums
        # ``_close`` compares against, so the shortcut in ``_apart`` decides exactly as the
        # full tests would.
        half = 0.5 * (box[2] - box[0])
        self.reach = max(half, half + self.slack) if confirmed else half


def _apart(predicted: Box, box: Box, reach: float) -> bool:
    """Can the pair be rejected at once? Yes when the boxes do not overlap sideways (so their
    IoU is 0, below every tier's least: match_iou is at least 0.01) and the centres are
    further apart sideways than ``reach`` (so no ``_close`` holds). Most pairs of a frame are
    such, other people's boxes, and this is cheaper than ``_rank``'s tests."""
    if min(predicted[2], box[2]) - max(predicted[0], box[0]) > 0.0:
        return False
    return abs((box[0] + box[2]) - (predicted[0] + predicted[2])) / 2 > reach


def _centre_gap(predicted: Box, box: Box) -> float:
    """Distance between the boxes' centres in the predicted box's heights (for ranking)."""
    du = (box[0] + box[2] - predicted[0] - predicted[2]) / 2
    dv = (box[1] + box[3] - predicted[1] - predicted[3]) / 2
    return math.hypot(du, dv) / max(predicted[3] - predicted[1], 1.0)


class ScaleAxis(Axis):
    """ln(box height) and its rate, predicted as a steady approach rather than a steady rate.

    An object closing at constant speed has time to contact tau = 1 / (dl/dt) falling by one
    second per second, so dl/dt itself grows: rate' = rate / (1 - rate dt), and l gains
    -ln(1 - rate dt). Predicting that way (an extended Kalman filter step) keeps the time to
    contact from lagging behind a steady approach; a constant-rate model would.
    """

    __slots__ = ()
    MAX_STEP = 0.9  # rate * dt at most this: never predict past contact

    def predict(self, dt: float, accel: float) -> None:
        x = min(self.rate * dt, self.MAX_STEP)
        if x <= 0.0:  # receding or still: the plain model is right enough
            super().predict(dt, accel)
            return
        shrink = 1.0 - x
        d_rate = 1.0 / shrink ** 2  # d(rate') / d(rate)
        d_value = dt / shrink  # d(l') / d(rate)
        a2 = accel * accel
        p00 = self.p00 + 2 * d_value * self.p01 + d_value ** 2 * self.p11 + a2 * dt ** 4 / 4
        p01 = d_rate * (self.p01 + d_value * self.p11) + a2 * dt ** 3 / 2
        p11 = d_rate ** 2 * self.p11 + a2 * dt * dt
        self.value -= math.log(shrink)
        self.rate /= shrink
        self.p00, self.p01, self.p11 = p00, p01, p11

    def predicted(self, dt: float) -> float:
        x = min(self.rate * dt, self.MAX_STEP)
        return self.value - math.log(1.0 - x) if x > 0.0 else self.value + self.rate * dt


@dataclass
class Track:
    """One object followed across frames."""

    track_id: int
    label: str
    t: float  # time of the last update
    u: Axis  # box centre x, pixels
    v: Axis  # box centre y, pixels
    log_size: ScaleAxis  # ln(the box's longer side, pixels)
    aspect: float  # width / height, smoothed
    detected_box: Box = (0.0, 0.0, 0.0, 0.0)  # the detector's own box at the last update
    detected_px: float = 1.0  # its view's frame pixels per input pixel (Detection.input_px)
    view: str = "full"  # the view that found that box (Detection.view)
    hits: int = 1  # boxes taken, weak ones too
    sure_hits: int = 1  # boxes the detector was sure of (not weak)
    steady: int = 1  # updates since the box's size last restarted (rates need several)
    jumped: bool = False  # the last update's size was not this object's (taken over)
    # ... and that box was a part of the object: smaller, where the object was predicted, clear
    # of the frame's edges (the rest hidden by someone nearer, or missed by the detector).
    part: bool = False
    # The last update's box was one only the coasting slack reached (back after a gap): most
    # often the object again, sometimes a passer-by; its place is no evidence of a speed.
    reacquired: bool = False
    votes: dict[str, float] = field(default_factory=dict)  # class -> summed detector scores
    pixel_rates: int = 0  # growth measurements from the object's own pixels (optical flow)
    pixel_rate_t: float = -math.inf  # when the last one came
    # Its own pixels once showed it reaching the lens within the tracker's urgent_ttc_s (at two
    # sigma): an obstacle from its second box on (see ``Tracker.confirmed``).
    urgent: bool = False
    last_seen: float = 0.0
    score: float = 0.0
    appearance: tuple[float, ...] | None = None  # its boxes' colour histogram, smoothed

    def box_at(self, t: float) -> Box:
        """The box predicted for time ``t`` (no update)."""
        dt = t - self.t
        h, w = _height_width(self.log_size.predicted(dt), self.aspect)
        u, v = self.u.predicted(dt), self.v.predicted(dt)
        return (u - w / 2, v - h / 2, u + w / 2, v + h / 2)

    @property
    def box(self) -> Box:
        return self.box_at(self.t)

    @property
    def growth_rate(self) -> float:
        """d ln(size) / dt, per second: positive while the object gets nearer."""
        return self.log_size.rate

    @property
    def growth_rate_sigma(self) -> float:
        return math.sqrt(max(self.log_size.p11, 0.0))


def unlikeness(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> float:
    """Hellinger distance of two histograms summing to 1 (0 alike, 1 nothing in common); 0
    when either is unknown (no evidence either way)."""
    if a is None or b is None:
        return 0.0
    overlap = sum(math.sqrt(p * q) for p, q in zip(a, b, strict=True))
    return math.sqrt(max(0.0, 1.0 - overlap))


def _smoothed(old: tuple[float, ...] | None,
              new: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if new is None or old is None:
        return old if new is None else new
    k = APPEARANCE_SMOOTHING
    return tuple(o + k * (n - o) for o, n in zip(old, new, strict=True))


def _log_size_var(log_size: float, edge_px: float = EDGE_PX) -> float:
    """Variance of ln(size): a few percent, more for small boxes (two edges of noise, each
    wandering ``edge_px``: ``geometry.box_edge_px`` of the view that found the box)."""
    return LOG_SIZE_NOISE ** 2 + (2 * edge_px / math.exp(log_size)) ** 2


class Tracker:
    """Associates each frame's detections with tracks (greedy by tier, then IoU)."""

    def __init__(self, config: TrackingConfig, labels: set[str] | frozenset[str],
                 urgent_ttc_s: float | None = None):
        self.config = config
        self.labels = frozenset(labels)  # classes worth tracking (obstacles)
        # A growth rate that confirms a track at once (the policy's DANGER time, inverted).
        self._urgent_rate = 1.0 / urgent_ttc_s if urgent_ttc_s else math.inf
        self.tracks: list[Track] = []
        self._next_id = 1
        self._far_looked = -math.inf  # when the far view last looked (DetectionSet.far_looked)
        self._sure_score = 0.0  # the detector's (DetectionSet.sure_score)

    def update(self, ds: DetectionSet) -> list[Track]:
        """Fold in one frame's detections; returns the tracks updated by this frame."""
        t = ds.t
        if ds.far_looked:
            self._far_looked = t
        self.tracks = [tr for tr in self.tracks if t - tr.last_seen <= self.config.drop_after_s]
        self._sure_score = ds.sure_score
        sure = [d for d in ds.detections if d.label in self.labels]
        pairs = self._associate(sure, t, ds.frame_size)
        for track, det, predicted in pairs:
            self._correct(track, det, t, ds.frame_size, predicted)
        # Then the weak boxes (as ByteTrack's second association: Zhang et al., ECCV 2022),
        # by overlap alone, for tracks that are not obstacles yet: they gather the evidence
        # and the growth of a far object the detector is unsure of, before its first sure
        # box. An obstacle is carried on by sure boxes alone: weak ones carrying obstacles,
        # on the footage, held people's tracks on their neighbours and partial boxes.
        weak = [d for d in ds.weak if d.label in self.labels]
        if weak:
            carried = self._associate(weak, t, ds.frame_size, overlap_only=True)
            for track, det, predicted in carried:
                self._correct(track, det, t, ds.frame_size, predicted, weak=True)
            pairs += carried
        updated = [track for track, _, _ in pairs]
        matched = {id(det) for _, det, _ in pairs}
        taken = [det for _, det, _ in pairs]
        unsure = {id(det) for det in weak}
        for det in (*sure, *weak):
            if id(det) not in matched and not _group_box(det, taken):
                track = self._start(det, t, weak=id(det) in unsure)
                self.tracks.append(track)
                updated.append(track)
        return updated

    @staticmethod
    def _jumped(track: Track, dt: float, log_size: float) -> bool:
        """Is ``log_size`` a size no approach could reach in ``dt``? Judged with the edges of
        a fine view whatever view found the box: restarting a real approach's size costs
        little (its pixels keep its rate), taking another object's box as growth costs a
        false alarm."""
        axis = track.log_size
        spread = math.sqrt(axis.p00 + dt * dt * axis.p11 + _log_size_var(log_size))
        return abs(log_size - axis.predicted(dt)) > max(4 * spread, SIZE_JUMP)

    def awaiting_far_view(self) -> bool:
        """Has the far view alone found an object, the last time it looked, that is not an
        obstacle yet (a tentative track whose last box came from the far view)? The full view
        cannot see it: only the far view's next boxes confirm it."""
        # A track of weak boxes alone does not call for the far view: the full view's frames
        # are not given up for what may be the clutter the detector is unsure of.
        return any(tr.view == "far" and tr.last_seen >= self._far_looked and tr.sure_hits
                   and not self.confirmed(tr) for tr in self.tracks)

    def confirmed(self, track: Track) -> bool:
        """An obstacle, not a detector's passing fancy: ``confirm_hits`` boxes, or two when
        the object's own pixels say it is about to arrive (``Track.urgent``). The third box of
        an object that close comes too late (dog-in-path on a Pi 4: a dog 7 m away at 8 m/s is
        seen on two boxes 0.15 s apart, and the next found it 0.2 s before contact).

        Weak boxes (DetectionSet.weak) count as boxes, and their scores as evidence: at least
        one sure box, and ``confirm_hits`` boxes whose scores sum to what as many sure ones
        would at least (the model's threshold each). Three sure boxes confirm as ever; a far
        object the detector was unsure of is an obstacle on its first sure box (car-in-path
        on a Pi 4: a car 42 m away scored 0.18 and 0.15, and was confirmed 0.45 s sooner, on
        its first sure box at 33 m, its growth measured since). Weak boxes alone never make
        one: a far dog scored 0.1-0.29 on every frame for 2 s, and so do a crowd's clutter
        and a far walker's coarse boxes."""
        if not track.sure_hits:
            return False
        # The evidence is every box's score: the class votes' sum (a float sum: three boxes
        # scored at the threshold itself make it, to rounding).
        return track.urgent or (track.hits >= self.config.confirm_hits
                                and sum(track.votes.values())
                                >= self.config.confirm_hits * self._sure_score - 1e-9)

    def _associate(self, detections: list[Detection], t: float, frame_size: tuple[int, int],
                   overlap_only: bool = False) -> list[tuple[Track, Detection, Box]]:
        """Pairs of (track, detection), each track and detection at most once, with the box
        the track was predicted at.

        Tiers settle in order: confirmed tracks by overlap or closeness; tentative tracks (a
        duplicate or partial box a frame ago must not take an established object's box); then
        confirmed tracks that only their coasting slack reaches (back after a gap); last,
        confirmed tracks whose size the box could only take over (a partial or merged box
        would restart the track's growth); last of all, a box in a track's column and of its
        size that a hard stride threw beyond the usual bob (``_rocked``), which would
        otherwise start a track; and after all of them, tracks only weak boxes made
        (``TIER_UNSURE``). Within a tier the best overlap (or the nearest, for coasting and
        rocking) goes first. ``overlap_only``: the first two tiers alone (weak boxes).
        """
        bob_px = 2 * GAIT_BOB * frame_size[1]  # the same for every pair: once a frame
        candidates = []
        for track in self.tracks:
            if track.t == t:
                continue  # updated by this frame's first part (farview.FIRST): once a frame
            # What a pair needs of its track, once per track rather than once per pair.
            predicted = _Prediction(track.box_at(t), self.confirmed(track),
                                    t - track.last_seen)
            for det in detections:
                if _apart(predicted.box, det.box, predicted.reach):
                    continue  # most pairs (other people): settled without ranking them
                ranked = self._rank(track, predicted, det, t, frame_size, bob_px)
                if ranked is None or (overlap_only and ranked[0] != TIER_TENTATIVE):
                    continue
                if not track.sure_hits:
                    ranked = (TIER_UNSURE, ranked[1])
                candidates.append((*ranked, track.track_id, track, det, predicted.box))
        candidates.sort(key=lambda c: c[:3])  # tier, then best first; ties by id
        pairs, used_tracks, used_dets = [], set(), set()
        for tier, *_, track, det, box in candidates:
            if id(track) not in used_tracks and id(det) not in used_dets:
                track.reacquired = tier == TIER_COASTING
                pairs.append((track, det, box))
                used_tracks.add(id(track))
                used_dets.add(id(det))
        return pairs

    def _rank(self, track: Track, predicted: _Prediction, det: Detection, t: float,
              frame_size: tuple[int, int], bob_px: float) -> tuple[int, float] | None:
        """(tier, cost) of pairing ``track`` with ``det``, lower first; None if they cannot be
        the same object."""
        box, confirmed = predicted.box, predicted.confirmed
        if not confirmed and track.hits > track.sure_hits \
                and self._breaks_run(track, det, t - track.t, frame_size):
            return None
        overlap = iou(box, det.box)
        tier = TIER_CONFIRMED if confirmed else TIER_TENTATIVE
        if det.label != track.label:
            # The same object read as another class (a far person as a "fire hydrant", a dog
            # as a sheep): it joins the track, which keeps the class most votes gave it. The
            # gait moves its box as it moves any other (a far one's by more than its height).
            if overlap >= CROSS_LABEL_IOU or _close(box, det.box, bob_px):
                return tier, CROSS_LABEL_PENALTY - overlap
            return None
        looks = APPEARANCE_WEIGHT * unlikeness(track.appearance, det.appearance)
        if overlap >= self.config.match_iou or _close(box, det.box, bob_px):
            if confirmed and self._takes_over(track, det, t - track.t, frame_size):
                tier = TIER_TAKEOVER
            return tier, looks - overlap
        if confirmed and _close(box, det.box, bob_px, predicted.slack) \
                and looks <= APPEARANCE_WEIGHT * COAST_UNLIKE:
            return TIER_COASTING, _centre_gap(box, det.box) + looks
        if _rocked(box, det.box, ROCK_BOBS * bob_px) \
                and looks <= APPEARANCE_WEIGHT * COAST_UNLIKE:
            # A hard stride rocks the camera by more than the usual bob, and a track sampled
            # at the stride's two ends splits in two, each half of one person with half the
            # frames and a closing speed learnt from scratch (hard-bounce under --pitch-off 3:
            # the WARNING fell to CLEAR). A box in the track's column, of its size, is at its
            # distance: on one ground, at its row too, whatever the camera's pitch did. As
            # weak a claim as coasting's, it must look like the track: in a crowd seen from a
            # wall, the box in a missed walker's column is often someone else's.
            return TIER_ROCKED, _centre_gap(box, det.box) + looks
        return None

    @staticmethod
    def _takes_over(track: Track, det: Detection, dt: float,
                    frame_size: tuple[int, int]) -> bool:
        """Would ``det`` restart the track's size (see ``_update_scale``)?"""
        _, _, log_size, aspect = _box_state(det.box)
        return (track.steady >= 0 and not _cut_along_size(det, aspect, frame_size)
                and Tracker._jumped(track, dt, log_size))

    @staticmethod
    def _breaks_run(track: Track, det: Detection, dt: float,
                    frame_size: tuple[int, int]) -> bool:
        """Would ``det`` end the run of boxes a track gathered before it is an obstacle: cut
        by the frame, or of a size it could not have reached? Said of a track gathered in part
        from weak boxes, whose next box is another object's often enough (close_crossers_street:
        a far walker's weak boxes, 2 s of them, then a passer-by cut by the frame's top,
        confirmed on its first boxes with the walker's growth: a DANGER)."""
        _, _, log_size, aspect = _box_state(det.box)
        return _cut_along_size(det, aspect, frame_size) \
            or abs(log_size - track.log_size.predicted(dt)) > SIZE_JUMP

    def _start(self, det: Detection, t: float, weak: bool = False) -> Track:
        _, _, log_size, aspect = _box_state(det.box)
        scale = ScaleAxis(log_size, _log_size_var(log_size, box_edge_px(det.input_px)), 1.0)
        track = Track(self._next_id, det.label, t, *_placed(det.box), scale, aspect, det.box,
                      last_seen=t,
                      score=det.score, votes={det.label: det.score},
                      appearance=det.appearance, detected_px=det.input_px, view=det.view,
                      sure_hits=0 if weak else 1)
        self._next_id += 1
        return track

    @staticmethod
    def _update_scale(track: Track, det: Detection, dt: float, log_size: float, aspect: float,
                      frame_size: tuple[int, int]) -> None:
        """The scale axis: its rate from the object's pixels where measured, its value (and,
        failing pixels, its rate) from the box's size where the box is whole and plausible."""
        cut = _cut_along_size(det, aspect, frame_size)
        size_var = _log_size_var(log_size, box_edge_px(det.input_px))
        jumped = not cut and track.steady >= 0 and Tracker._jumped(track, dt, log_size)
        track.jumped = jumped
        axis = track.log_size
        axis.predict(dt, ACCEL_LOG)
        if det.growth is not None and det.growth_sigma is not None:
            axis.correct_rate(det.growth, det.growth_sigma ** 2 + GROWTH_MODEL_NOISE ** 2,
                              OUTLIER_GATE)
            track.pixel_rates += 1
            track.pixel_rate_t = track.t + dt
        timed_by_pixels = track.pixel_rates > 0
        if cut:
            track.steady = -1  # the frame cuts it: its size says nothing (its pixels may)
        elif track.steady < 0 or jumped:
            # Whole again after the frame cut it; or a size no approach could reach in dt
            # (another object took the box over, or one stepped out from behind another).
            # Start the size afresh instead of believing the change was motion; a rate the
            # pixels measured stays.
            if timed_by_pixels:
                axis.restart_value(log_size, size_var)
            else:
                track.log_size = ScaleAxis(log_size, size_var, 1.0)
            track.steady = -1
        else:
            distrust = BOX_SIZE_DISTRUST ** 2 if timed_by_pixels else 1.0
            axis.correct(log_size, distrust * size_var, OUTLIER_GATE)

    def _correct(self, track: Track, det: Detection, t: float,
                 frame_size: tuple[int, int], predicted: Box, weak: bool = False) -> None:
        """Fold ``det`` into ``track``, predicted at ``predicted`` for ``t`` (its box_at)."""
        dt = max(t - track.t, 0.0)
        # A part of what? Of a size several boxes agreed on, not of a box that just took the
        # track over (a merged box of two people: the next box of one of them is no part).
        established = track.steady >= self.config.confirm_hits
        u, v, log_size, aspect = _box_state(det.box)
        centre_var = (CENTRE_NOISE * _height_width(log_size, aspect)[0]) ** 2
        if not weak and not track.sure_hits:
            # The first sure box of a track weak boxes began: their places are coarse (a far
            # walker is 7 input pixels wide in them), and a speed differenced from them led
            # the track away from its object (dusk, mirrored, Pi 4: the next sure box started
            # another track, and the WARNING came 0.6 s later). Placed afresh, at rest.
            track.u, track.v = _placed(det.box)
        else:
            track.u.step(dt, ACCEL_PX, u, centre_var)
            track.v.step(dt, ACCEL_PX, v, max(centre_var, (GAIT_BOB * frame_size[1]) ** 2))
        self._update_scale(track, det, dt, log_size, aspect, frame_size)
        track.part = track.jumped and established and _part_of(det, predicted, frame_size)
        # One pixel measurement, not the box's size change (a partial or merged box of a new
        # track grows as fast, and a close car crossing gave such a box a rate of 1.3 +- 0.23),
        # and one clear of its own noise: a dog 7 m away read 1.32 +- 0.06.
        if det.growth is not None and det.growth_sigma is not None \
                and det.growth - 2 * det.growth_sigma >= self._urgent_rate:
            track.urgent = True
        track.aspect += ASPECT_SMOOTHING * (aspect - track.aspect)
        track.detected_box = det.box
        track.detected_px, track.view = det.input_px, det.view
        track.t = track.last_seen = t
        track.hits += 1
        track.sure_hits += not weak
        track.steady += 1
        track.score = det.score
        track.appearance = _smoothed(track.appearance, det.appearance)
        track.votes[det.label] = track.votes.get(det.label, 0.0) + det.score
        track.label = max(track.votes, key=lambda label: (track.votes[label], label))
