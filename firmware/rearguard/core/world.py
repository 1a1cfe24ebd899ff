"""The world model: tracks and echoes become obstacles with distance, bearing and time to contact.

Per camera track it keeps a small Kalman filter on distance and closing speed, fed by the
geometric distance cues (``geometry``) at every detection and corrected by a rangefinder echo
when the track is inside the sensor's beam and the distances agree. Time to contact combines
two estimates by their uncertainties (``core/contact.py``): from the box's scale expansion
(no calibration needed) and from distance / closing speed, each checked against the other and
against how fast the object's class can close. An echo that no track explains is an obstacle
of its own, of unknown class: a pole, a wall, a hedge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rearguard.config.schema import Config, RangefinderConfig
from rearguard.core.contact import (
    CLOSING_MARGIN,
    FASTEST_CLOSING_MPS,
    MAX_TTC_S,
    MIN_CLOSING_MPS,
    closing_with_growth,
    combine_ttc,
    max_closing_mps,
    ttc_from_scale,
    ttc_of_closing,
)
from rearguard.core.events import event
from rearguard.core.geometry import (
    CameraIntrinsics,
    bearing_deg,
    box_edge_px,
    combine,
    distance_from_ground,
    distance_from_height,
    lens_intrinsics,
    side_cut_margin_px,
)
from rearguard.core.range_filter import RangeFilter, RangeState
from rearguard.core.tracking import OUTLIER_GATE, Axis, Track, Tracker
from rearguard.messages import Box, DetectionSet, Obstacle, ObstacleSource, RangeReading

RANGE_SIGMA_M = 0.03  # an HC-SR04 echo, once filtered
RANGE_SIGMA_FRACTION = 0.01
SPEED_NOISE = 1.5  # m/s^2: how fast a closing speed may change
# m/s: a new track may be parked, or a cyclist closing at 15 m/s (its 12 and the runner's 3.5).
# The prior's mean is 0, so a narrow one pulls a young track's closing speed toward 0: at 12 m/s
# the cyclist of scene cyclist-in-path, closing at 10 m/s, read 6-8 m/s over its first 0.3 s of
# distances (8-9 at 20), and the Pi 5 warned 0.07 s later.
INITIAL_SPEED_SIGMA = 20.0
FUSED_HOLD_S = 0.5  # a track stays "fused" this long after its last echo
RATE_MIN_HITS = 5
PIXEL_RATES_FOR_TTC = 2  # growth measured from the object's pixels this often times it
ECHOES_FOR_TTC = 4
COAST_TTC_S = 0.5  # a track unseen for longer keeps its distance but not its time to contact
# A box whose side lies this near the frame's is placed by its inner edge and its last half
# width. Only a box that touches the side: taking one a coarse view's margin short of it
# (side_cut_margin_px, as the tracker and _at_side_edge do) placed a close crosser's centre
# from a half width measured on a part of him, in the path (close_crossers_street, Pi 5,
# --speed 2: a false DANGER).
SIDE_TOUCH_PX = 3.0
# Below this height in the network's input, a box's edges have heavy tails: on the rendered
# scenes, a person's box edge errs by 8-11 input px in 3 % of full-view boxes under 30 px tall,
# by 5-7 above (YOLOX's finest grid is 8 px). Their distances' closing speed is then weighed
# with what the object's own pixels say (contact.closing_with_growth); a nearer object's boxes
# need no such help, and its growth can read low (a body cut by the frame, a camera looking
# down).
SMALL_BOX_INPUT_PX = 32.0
# ... and the closing speed differenced from such a box's distance stays in the distance filter
# for about a second after it (the filter's speed follows its distances slowly at range). Far
# objects are seen by two views in turn, the far view's fine boxes between the full view's
# coarse ones: a fine box next does not make the speed trustworthy again. (busy-path-20s, Pi 5,
# another noise seed: one full-view box of a walker 22 m away, 40 % too tall, made his
# distances close at 11 m/s; on the far view's box after it, weighed with nothing, 7 +- 2.7
# m/s gave a WARNING 15 s before he came, while his pixels grew at 0.12 +- 0.08 a second,
# his true 0.09. Any memory from 0.4 to 3 s gave the same alerts everywhere.)
COARSE_MEMORY_S = 1.0
RANGER_ID_BASE = 100000  # rangefinder-only obstacles get ids from here
# Sideways offset from the path, judged over time: the gait yaws the camera by a degree or two
# at every step, so one frame's bearing says little; a filter over many does.
BEARING_SIGMA_RAD = math.radians(1.5)
LATERAL_ACCEL = 1.5  # m/s^2: how fast a sideways speed may change (a swerve)
INITIAL_LATERAL_SIGMA = 3.0  # m/s: a crossing cyclist
HALF_WIDTH_SMOOTHING = 0.3
# Furniture-like classes are what a detector most often imagines in a railing or a fence; they
# count as obstacles only once an echo has confirmed one.
STATIC_CLASSES = frozenset({"bench", "chair", "fire hydrant", "stop sign", "parking meter",
                            "potted plant", "suitcase"})


class _Distance:
    """Distance and its rate for one track (a 2-state Kalman filter), when last fused, and its
    sideways offset from the runner's path with its rate (another 2-state filter)."""

    __slots__ = ("axis", "by_height", "carried_offset", "coarse_t", "fused_at", "half_width",
                 "measured_t", "side", "side_rate_sigma", "t")

    def __init__(self, t: float, metres: float, sigma: float, by_height: bool):
        self.t = t
        self.measured_t = t  # when a box or an echo last gave it a distance
        self.by_height = by_height  # the box's height was among the last distance's cues
        self.axis = Axis(metres, sigma ** 2, INITIAL_SPEED_SIGMA ** 2)
        self.side: Axis | None = None  # the centre's sideways offset, metres, and its rate
        # The sideways rate's sigma as its last measurement left it: whether the rate stands
        # out of the gait's sway is judged on what was measured, not on how long ago (an echo
        # that moves the filters on to its own time must not turn a crossing into a standstill).
        self.side_rate_sigma = math.inf
        # Until ``side`` has a measurement: the offset of the distance this one restarted (see
        # WorldModel._carry_offset).
        self.carried_offset: float | None = None
        self.half_width: float | None = None  # metres, from boxes the frame did not cut
        self.fused_at = -math.inf
        self.coarse_t = -math.inf  # when it last took a distance from a box small in its view

    def predict(self, t: float) -> None:
        if t > self.t:
            self.axis.predict(t - self.t, SPEED_NOISE)
            if self.side is not None:
                self.side.predict(t - self.t, LATERAL_ACCEL)
            self.t = t

    def correct_side(self, metres: float, sigma: float) -> None:
        """Fold in one sideways offset (after ``correct`` or ``predict`` to the same time)."""
        if self.side is None:
            self.side = Axis(metres, sigma ** 2, INITIAL_LATERAL_SIGMA ** 2)
        else:
            self.side.correct(metres, sigma ** 2)
        self.side_rate_sigma = math.sqrt(max(self.side.p11, 0.0))

    def correct(self, t: float, metres: float, sigma: float,
                gate: float = math.inf) -> None:
        self.predict(t)
        self.axis.correct(metres, sigma ** 2, gate)

    def gate(self, metres: float, sigma: float) -> bool:
        """Does a measurement agree with this estimate (within 3 sigma, at least 0.5 m)?"""
        spread = max(3 * math.sqrt(self.axis.p00 + sigma ** 2), 0.5)
        return abs(metres - self.axis.value) <= spread


class WorldModel:
    """Tracks, distances and echoes, updated by detections and readings in time order."""

    def __init__(self, config: Config, class_heights: Mapping[str, float],
                 intrinsics: CameraIntrinsics | None = None):
        self.config = config
        self.class_heights = dict(class_heights)
        self.tracker = Tracker(config.tracking, set(class_heights), config.alert.danger_ttc_s)
        if intrinsics is None and config.camera.lens == "calibrated":
            raise ValueError("a calibrated lens: the driver passes its intrinsics in")
        self._intrinsics = intrinsics or lens_intrinsics(config.camera.lens)
        self._scaled: CameraIntrinsics | None = None
        self._distances: dict[int, _Distance] = {}
        self._rangers = {r.name: r for r in config.rangefinders}
        self._filters = {r.name: RangeFilter(r.max_distance_m) for r in config.rangefinders}
        self._echo_owner: dict[str, int | None] = {}  # sensor -> track the echo belongs to
        self._measured: dict[int, bool] = {}  # track -> its last detection gave a distance

    # --- camera ------------------------------------------------------------------------------

    def _camera(self, frame_size: tuple[int, int]) -> CameraIntrinsics:
        if self._scaled is None or (self._scaled.width, self._scaled.height) != frame_size:
            self._scaled = self._intrinsics.scaled_to(*frame_size)
        return self._scaled

    def add_detections(self, ds: DetectionSet) -> list[dict]:
        """Fold in one frame's detections; a ``track`` event per confirmed track."""
        k = self._camera(ds.frame_size)
        updated = self.tracker.update(ds)
        live = {tr.track_id for tr in self.tracker.tracks}
        self._distances = {i: d for i, d in self._distances.items() if i in live}
        self._measured = {i: m for i, m in self._measured.items() if i in live}
        for track in updated:
            if track.part:
                # A part of the object: its height is not the object's, nor its centre; the
                # distance and speed measured so far stand.
                self._measured[track.track_id] = False
                continue
            # Another object took the box over: its distance is void.
            before = self._distances.pop(track.track_id, None) if track.jumped else None
            self._measure(track, k)
            if before is not None:
                self._carry_offset(track, before, k)
        # This call's tracks only: a frame's first part already reported its own.
        now = {id(track) for track in updated}
        return [self._track_event(ds.t, track) for track in self.tracker.tracks
                if id(track) in now and self.tracker.confirmed(track)]

    def _measure(self, track: Track, k: CameraIntrinsics) -> None:
        # The detector's own box, not the tracker's smoothed one: the distance filter smooths
        # once, so its estimate does not lag twice.
        box = track.detected_box
        edge = box_edge_px(track.detected_px)
        by_height = distance_from_height(k, box, self.class_heights[track.label], edge,
                                         self.config.mounting.pitch_deg)
        by_ground = distance_from_ground(k, box, self.config.mounting, edge)
        estimate = combine(by_height, by_ground)
        self._measured[track.track_id] = estimate is not None
        if estimate is None:
            return
        filt = self._distances.get(track.track_id)
        if filt is None:
            filt = self._distances[track.track_id] = _Distance(
                track.t, estimate.metres, estimate.sigma, by_height is not None)
        elif (by_height is not None) != filt.by_height or track.reacquired:
            # The frame cut the box's top, or let it go: the distance now rests on the ground
            # alone, or on the height again, and the step between the two (a class height or
            # a ground that does not fit) is not motion. As for the first echo, the distance
            # restarts and the closing speed stays. (The ground cue comes and goes with the
            # gait's pitch at the horizon; its step is small and the filter takes it.) So
            # does a track back after a gap on a box only its coasting slack reached: most
            # often its object, sometimes a passer-by (opencv_vtest, mirrored: a walker 10 m
            # away, unseen 0.4 s, took a box 70 px lower: 10.0 to 7.0 m in 0.6 s, 3.2 m/s).
            filt.predict(track.t)
            filt.axis.restart_value(estimate.metres, estimate.sigma ** 2)
            filt.by_height = by_height is not None
        else:
            # Robustly: a merged or clipped box is a distance metres off, not a speed.
            # The frame-to-frame part of its error only: a class height that does not fit
            # is the same at every frame (the initial variance has it).
            filt.correct(track.t, estimate.metres, estimate.noise, OUTLIER_GATE)
        filt.measured_t = track.t
        if _small_in_input(track):
            filt.coarse_t = track.t
        self._measure_side(filt, box, k, estimate.sigma / max(estimate.metres, 0.1))

    def _carry_offset(self, track: Track, before: _Distance, k: CameraIntrinsics) -> None:
        """Keep where a track was sideways through a size that jumped while the frame's side
        cuts its box: the frame, not another object, changed it (a car passing beside shows
        ever less of itself, its near end the tallest). Its offset stands, without a speed,
        until its new distance gives it one of its own. (busy-path-20s, a Pi 4 with the far
        view at zoom 2.6: a parked car 2.2 m beside the path lost its offset; its distance,
        carried on towards the lens, put it in the path, and it was given DANGER as the runner
        passed it.)"""
        filt = self._distances.get(track.track_id)
        if filt is None or before.side is None or not any(_side_cuts(track.detected_box, k)):
            return
        filt.carried_offset = before.side.predicted(filt.t - before.t)

    @staticmethod
    def _measure_side(filt: _Distance, box: Box, k: CameraIntrinsics, relative: float) -> None:
        """Its centre's sideways offset, X = Z (u - cx) / fx, and its half width. When the
        frame cuts one side as it passes, the inner edge and the last half width give the
        centre. The distance's error scales X; the gait's yaw shifts it by Z times the
        bearing's wobble."""
        z = filt.axis.value
        cut_left, cut_right = _side_cuts(box, k)
        if not (cut_left or cut_right):
            half = z * (box[2] - box[0]) / 2 / k.fx
            filt.half_width = half if filt.half_width is None else \
                filt.half_width + HALF_WIDTH_SMOOTHING * (half - filt.half_width)
            u = (box[0] + box[2]) / 2
        elif cut_left != cut_right and filt.half_width is not None:
            half_px = filt.half_width * k.fx / z
            u = box[2] - half_px if cut_left else box[0] + half_px
        else:
            return  # cut on both sides, or never seen whole: no centre to measure
        x = z * (u - k.cx) / k.fx
        filt.correct_side(x, math.hypot(z * BEARING_SIGMA_RAD, x * relative))

    def _track_event(self, t: float, track: Track) -> dict:
        o = self._camera_obstacle(track, t)
        return event(t, "track", id=o.track_id, label=o.label, source=o.source, box=o.box,
                     distance_m=o.distance_m, bearing_deg=o.bearing_deg,
                     closing_speed_mps=o.closing_speed_mps, ttc_s=o.time_to_contact_s,
                     ttc_sigma_s=o.time_to_contact_sigma_s)

    # --- rangefinders ------------------------------------------------------------------------

    def add_range(self, reading: RangeReading) -> list[dict]:
        """Fold in one reading: correct the track in the beam, or keep an unknown obstacle."""
        ranger = self._rangers.get(reading.sensor)
        if ranger is None:
            return []  # a sensor this config does not know: recorded, not used
        state = self._filters[reading.sensor].update(reading)
        owner = self._echo_owner.get(reading.sensor)
        if state is None:
            owner = None
        elif state.t == reading.t:  # a fresh echo: whose is it? (between echoes, it stays)
            owner = self._associate(ranger, state)
            if owner is not None:
                sigma = RANGE_SIGMA_M + RANGE_SIGMA_FRACTION * state.distance_m
                filt = self._distances[owner]
                if state.t - filt.fused_at > FUSED_HOLD_S:
                    # The first echo of a track: the sensor changed, the object did not move.
                    # The step from the box's distance to the echo's (often metres: a class
                    # height that does not fit) must not become a closing speed.
                    filt.predict(state.t)
                    filt.axis.restart_value(state.distance_m, sigma ** 2)
                else:
                    filt.correct(state.t, state.distance_m, sigma)
                filt.fused_at = filt.measured_t = state.t
        self._echo_owner[reading.sensor] = owner
        return [event(reading.t, "range", sensor=reading.sensor, distance_m=reading.distance_m,
                      filtered_m=state.distance_m if state else None,
                      closing_speed_mps=state.closing_speed_mps if state else None,
                      track=owner)]

    def _associate(self, ranger: RangefinderConfig, state: RangeState) -> int | None:
        """The in-beam track whose distance agrees best with the echo, if any."""
        sigma = RANGE_SIGMA_M + RANGE_SIGMA_FRACTION * state.distance_m
        best, best_gap = None, math.inf
        for track in self.tracker.tracks:
            filt = self._distances.get(track.track_id)
            if filt is None or not self.tracker.confirmed(track):
                continue
            if not self._in_beam(track, ranger, state.t):
                continue
            filt.predict(state.t)
            gap = abs(filt.axis.value - state.distance_m)
            if filt.gate(state.distance_m, sigma) and gap < best_gap:
                best, best_gap = track.track_id, gap
        return best

    def _in_beam(self, track: Track, ranger: RangefinderConfig, t: float) -> bool:
        """Does the track's box overlap the sensor's beam (in bearing)?"""
        if self._scaled is None:
            return False
        x1, _, x2, _ = track.box_at(t)
        left, right = bearing_deg(self._scaled, x1), bearing_deg(self._scaled, x2)
        half = ranger.beam_deg / 2
        return right >= ranger.bearing_deg - half and left <= ranger.bearing_deg + half

    # --- obstacles ---------------------------------------------------------------------------

    def obstacles(self, t: float) -> list[Obstacle]:
        """Every confirmed track, and every echo no track explains, as seen at ``t``."""
        drop = self.config.tracking.drop_after_s
        found = [self._camera_obstacle(track, t) for track in self.tracker.tracks
                 if self.tracker.confirmed(track) and t - track.last_seen <= drop
                 and self._counts(track)]
        for i, (name, ranger_filter) in enumerate(sorted(self._filters.items())):
            state = ranger_filter.state
            if state is None or t - state.t > ranger_filter.hold_s:
                continue
            # An echo whose track is not reported (gone, or unseen too long) is an obstacle of
            # its own: the rangefinder still hears something, whatever the camera lost.
            owner = self._echo_owner.get(name)
            if owner is None or not any(o.track_id == owner for o in found):
                found.append(self._echo_obstacle(RANGER_ID_BASE + i, self._rangers[name],
                                                 state, t))
        return found

    def _counts(self, track: Track) -> bool:
        """A furniture-class track is an obstacle only once an echo has confirmed it."""
        if track.label not in STATIC_CLASSES:
            return True
        filt = self._distances.get(track.track_id)
        return filt is not None and filt.fused_at > -math.inf

    def _camera_obstacle(self, track: Track, t: float) -> Obstacle:
        k = self._scaled
        box = track.box_at(t)
        filt = self._distances.get(track.track_id)
        echo = self._echo_state(track.track_id, t)
        distance = closing = None
        if filt is not None:
            distance, closing = max(filt.axis.predicted(t - filt.t), 0.0), -filt.axis.rate
        # Rates settle after RATE_MIN_HITS boxes, or sooner when the object's own pixels
        # measured its growth (each measurement is a rate, not a size to difference): on a
        # 5 Hz board a car at 13 m/s is 0.8 s from contact by its fifth box. One measurement
        # settles them when it alone shows the object arriving (Track.urgent).
        # Sure boxes only: a weak one's edges are coarse (close_crossers_street at --speed 2:
        # counted, one let a crossing car's growing boxes time it at 0.12 s).
        settled = track.sure_hits >= RATE_MIN_HITS or track.urgent or (
            track.pixel_rates >= PIXEL_RATES_FOR_TTC and self.tracker.confirmed(track))
        ttc, ttc_sigma = self._time_to_contact(track, filt, distance, echo, settled, t)
        fused = filt is not None and t - filt.fused_at <= FUSED_HOLD_S
        echo_m = _echo_distance(echo, t) if fused and echo is not None else None
        centre = (box[0] + box[2]) / 2
        offset, lateral = _sideways(filt, t) if settled else (None, None)
        if offset is None and filt is not None and filt.side is None:
            offset = filt.carried_offset
        return Obstacle(
            t=t, track_id=track.track_id, label=track.label,
            source=ObstacleSource.FUSED if fused else ObstacleSource.CAMERA, box=box,
            distance_m=distance, bearing_deg=bearing_deg(k, centre) if k else None,
            closing_speed_mps=closing, time_to_contact_s=ttc, lateral_speed_mps=lateral,
            closing_sigma_mps=math.sqrt(filt.axis.p11) if filt is not None else None,
            lateral_m=offset, half_width_m=filt.half_width if filt is not None else None,
            measured=self._measured.get(track.track_id, False)
            and t - track.last_seen <= COAST_TTC_S, echo_m=echo_m,
            time_to_contact_sigma_s=ttc_sigma,
            measured_t=filt.measured_t if filt is not None else None)

    def _time_to_contact(self, track: Track, filt: _Distance | None, distance: float | None,
                         echo: RangeState | None, settled: bool,
                         t: float) -> tuple[float | None, float | None]:
        """(time until the object is within the contact margin, its sigma) at ``t``, or
        (None, None): from its growth and its distance's closing speed (``distance``: the
        filter's at ``t``), each as far as the other allows (``_cross_checked``)."""
        scale, ttc_distance, var_distance = self._cross_checked(track, filt, distance, echo, t)
        if track.sure_hits < RATE_MIN_HITS:
            # Settled by its pixels alone, only they time it: a closing speed differenced
            # from fewer boxes is whatever the last box's jump made it.
            ttc_distance = None
        ttc, ttc_sigma = combine_ttc(scale, ttc_distance, var_distance)
        k = self._scaled
        by_pixels = t - track.pixel_rate_t <= COAST_TTC_S
        if not settled or t - track.last_seen > COAST_TTC_S or (
                k is not None and _at_side_edge(track, k.width) and not by_pixels):
            # Rates of a new track, of one lost from view, or of one coming into (or leaving)
            # the picture at its side are not evidence of an approach: its box grows or shrinks
            # because the frame cuts it. Its own pixels still time it, cut or not.
            return None, None
        to_margin = self._to_margin(ttc, distance)
        # The margin scales the estimate, and its sigma with it.
        if to_margin is None or not ttc:
            return to_margin, None
        return to_margin, ttc_sigma * to_margin / ttc

    def _cross_checked(self, track: Track, filt: _Distance | None, distance: float | None,
                       echo: RangeState | None, t: float) -> tuple[
                           tuple[float, float] | None, float | None, float | None]:
        """The two cues to its time to contact, each checked against what the other and the
        object's class allow: (time to contact from growth and its variance, or None; time to
        contact from the distance's closing speed, or None; and its variance). ``distance``:
        the filter's at ``t``."""
        closing = ttc_distance = var_distance = None
        if filt is not None and distance is not None:
            a = filt.axis
            closing = -a.rate
            ttc_distance, var_distance = ttc_of_closing(distance, a.p00, closing, a.p11)
        timed = track.steady >= RATE_MIN_HITS or track.pixel_rates >= PIXEL_RATES_FOR_TTC \
            or track.urgent
        scale = ttc_from_scale(track, t) if timed else None
        # Growth measured, within its noise of none, of a box small in the network's input,
        # or of one whose distances still carry such a box's.
        faint = timed and scale is None and filt is not None and (
            _small_in_input(track) or track.t - filt.coarse_t <= COARSE_MEMORY_S)
        # The cues are checked against each other as they were when last measured (at
        # track.t): each prediction runs on at its own speed, so judged at a later t the same
        # two measurements would pass one moment and fail the next, between two frames.
        seen = max(distance - closing * (track.t - t), 0.0) if distance is not None else None
        # The closing speed its growth implies, at that distance.
        by_growth = seen * track.growth_rate if seen is not None else None
        fastest = max_closing_mps(track.label)
        growth_judged, closing_judged = by_growth, closing
        if max(by_growth or 0.0, closing or 0.0) > fastest:
            agreed = _agreed_closing(track, filt, seen, by_growth, closing, t)
            if agreed is not None:
                # The class, not the approach, is what is wrong; and what both cues say,
                # not either's noise, is what the fastest of any class must allow (--speed 2,
                # car-in-path: a car closing at 27 m/s, 30 m away, grew as fast as 37.4 +-
                # 4.7 m/s, its distances fell at 19 +- 9).
                fastest = FASTEST_CLOSING_MPS
                growth_judged = closing_judged = agreed
        if scale is not None and growth_judged is not None and growth_judged > fastest:
            scale = None  # growth no such object could show: noise, not an approach
        if ttc_distance is not None and closing_judged is not None and closing_judged > fastest:
            ttc_distance = None
        if scale is not None and filt is not None and by_growth is not None \
                and self._measured.get(track.track_id, False):
            # Two independent cues: the box's growth and its distance. Growth that implies
            # far faster closing than the distance track allows (2 sigma) is a box edge that
            # moved (a gait, an occluder), not an approach.
            allowed = closing + 2 * math.sqrt(filt.axis.p11)
            if by_growth > CLOSING_MARGIN * max(allowed, MIN_CLOSING_MPS):
                scale = None
        if ttc_distance is not None and timed and seen and not _times_it(echo):
            # The other way round: a distance that falls faster than the image grows is a box
            # bottom that slid (a merged box, a bag, a shadow), not an approach; unless the
            # rangefinder itself times it (a body filling the frame grows slowly in its
            # pixels, and an echo is no box).
            growth_max = track.growth_rate + 2 * track.growth_rate_sigma
            if growth_max * CLOSING_MARGIN < closing / seen:
                ttc_distance = None
            elif faint:
                ttc_distance, var_distance = closing_with_growth(distance, filt.axis, track,
                                                                 seen)
        return scale, ttc_distance, var_distance

    def _echo_state(self, track_id: int, t: float) -> RangeState | None:
        """What the rangefinder itself reads of this track at ``t``, if one does."""
        for name, owner in self._echo_owner.items():
            state = self._filters[name].state
            if owner == track_id and state is not None and t - state.t <= FUSED_HOLD_S:
                return state
        return None

    def _to_margin(self, ttc_lens: float | None, distance: float | None) -> float | None:
        """Time until the obstacle is within ``contact_margin_m``, from the time until it
        reaches the lens: at a steady closing speed the two differ by margin / speed."""
        if ttc_lens is None or distance is None:
            return ttc_lens
        margin = self.config.alert.contact_margin_m
        return ttc_lens * max(0.0, 1.0 - margin / distance) if distance > 0 else 0.0

    def _echo_obstacle(self, track_id: int, ranger: RangefinderConfig, state: RangeState,
                       t: float) -> Obstacle:
        distance = _echo_distance(state, t)
        closing = state.closing_speed_mps
        ttc = distance / closing if _times_it(state) else None
        return Obstacle(t=t, track_id=track_id, label="unknown", source=ObstacleSource.RANGER,
                        box=None, distance_m=distance, bearing_deg=ranger.bearing_deg,
                        closing_speed_mps=closing,
                        time_to_contact_s=self._to_margin(min(ttc, MAX_TTC_S), distance)
                        if ttc else None, echo_m=distance, measured_t=state.t)


def _times_it(state: RangeState | None) -> bool:
    """Does an echo time its object by itself? Only a closing speed from enough echoes (from a
    few it is noise) and clearly above its own noise is an approach (the filter's rate answers
    at once; the line through the recent echoes says if it is real)."""
    return (state is not None and state.echoes >= ECHOES_FOR_TTC
            and state.closing_speed_mps > MIN_CLOSING_MPS and state.clearly_closing)


def _echo_distance(state: RangeState, t: float) -> float:
    """The filtered echo's distance, carried on to ``t`` at its closing speed when that speed
    times it (enough echoes, clearly closing: a steady approach through a dropout). A speed
    from two or three echoes is noise, not motion: carried through the filter's half-second
    hold, two echoes of a person crossing the beam at 3.7 m read 0.9 m, and an echo nearer than
    ``danger_range_m`` is DANGER at once."""
    if not _times_it(state):
        return state.distance_m
    return max(state.distance_m - state.closing_speed_mps * (t - state.t), 0.0)


def _at_side_edge(track: Track, width: int) -> bool:
    """Does the frame's side cut the track's last box (as seen by the view that found it)?"""
    box, margin = track.detected_box, side_cut_margin_px(box_edge_px(track.detected_px))
    return box[0] <= margin or box[2] >= width - margin


def _side_cuts(box: Box, k: CameraIntrinsics) -> tuple[bool, bool]:
    """Do the frame's left and right edges cut the box?"""
    return box[0] <= SIDE_TOUCH_PX, box[2] >= k.width - SIDE_TOUCH_PX


def _sideways(filt: _Distance | None, t: float) -> tuple[float | None, float | None]:
    """(its centre's offset from the runner's path at ``t``, metres; its sideways speed),
    or (None, None) with no sideways estimate. A sideways speed within its own noise moves
    nothing: it is the gait's sway."""
    if filt is None or filt.side is None:
        return None, None
    rate = filt.side.rate
    return (filt.side.predicted(t - filt.t),
            rate if abs(rate) > 2 * filt.side_rate_sigma else 0.0)


def _agreed_closing(track: Track, filt: _Distance | None, seen: float | None,
                    by_growth: float | None, closing: float | None, t: float) -> float | None:
    """The closing speed two cues agree on (each weighed by its variance), or None when they
    do not (2 sigma): ``by_growth``, its growth times its distance ``seen``, and ``closing``,
    its distance's fall, while its own pixels (feature points, not the box's edges) keep
    measuring that growth. A box edge that jumps moves both the box's size and its distance;
    it does not move the pixels inside, so a growth they measure is not that jump."""
    if filt is None or not seen or by_growth is None or closing is None or closing <= 0 \
            or track.pixel_rates < PIXEL_RATES_FOR_TTC \
            or t - track.pixel_rate_t > COAST_TTC_S:
        return None
    var_growth = (seen * track.growth_rate_sigma) ** 2 + track.growth_rate ** 2 * filt.axis.p00
    var_closing = filt.axis.p11
    if by_growth <= 2 * seen * track.growth_rate_sigma or var_growth <= 0 or var_closing <= 0 \
            or abs(by_growth - closing) > 2 * math.sqrt(var_growth + var_closing):
        return None
    return (by_growth / var_growth + closing / var_closing) / (1 / var_growth + 1 / var_closing)


def _small_in_input(track: Track) -> bool:
    """Is the track's last box shorter than ``SMALL_BOX_INPUT_PX`` pixels of the view's input
    that found it?"""
    box = track.detected_box
    return (box[3] - box[1]) / max(track.detected_px, 1e-6) < SMALL_BOX_INPUT_PX
