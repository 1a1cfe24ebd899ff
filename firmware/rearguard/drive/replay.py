"""Replay: drive the core from a recorded session, on the session's own clock.

Everything happens at its recorded time, in one time-ordered queue: range readings and button
presses, frame arrivals, detector results and policy ticks. As on the device, the core decides
the moment a reading or a detector result arrives; the periodic tick supervises. The detector
is modelled the way it runs on the device ("newest frame wins"): a frame that arrives while the
detector is busy waits, a newer one replaces it (the older is dropped), and the detector is free
again a board profile's inference time after it starts. Its boxes then go through the pixel
meters, on a stage of their own as on the device: the detections reach the core the profile's
``pixels_s`` for that many objects later (after the meters' previous frame, if they are still
busy). So frames a Pi would drop are dropped here too, results come as late as there, and the
same session, config and profile give a byte-identical event log on every run.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rearguard.boards import BoardProfile
from rearguard.config import Config
from rearguard.config.lens import camera_intrinsics
from rearguard.config.schema import MountingConfig
from rearguard.core.events import event
from rearguard.core.pipeline import Core, EventSink
from rearguard.detection import Detector
from rearguard.detection.farview import StartedViews, ViewScheduler, threat_near
from rearguard.detection.pixels import PixelMeters
from rearguard.messages import AlertCommand, Frame, RangeReading, Stage
from rearguard.session import ButtonPress, RecordedFault, Session
from rearguard.session.settings import config_for_session, session_intrinsics

# Order of things that happen at the same instant: inputs first, then the decision; a
# detector freed at the instant its results arrive reads the obstacles they made.
_SENSOR, _FRAME, _RESULT, _FREE, _TICK = range(5)

Progress = Callable[[int, int], None]


@dataclass
class ReplayResult:
    """What a replay did; the event records are also in ``events`` for tests and reports."""

    session: Session
    profile: BoardProfile
    # Modelled detector time of the full view, for the frames' size (a model that takes any
    # input size costs what the frame's shape feeds it); a frame with the far view adds its.
    inference_s: float
    far_view_s: float | None = None  # the far view's (a smaller window: less)
    frames_total: int = 0
    far_views: int = 0  # frames on which the far view ran (too, or on its own)
    frames_processed: int = 0
    frames_dropped: int = 0
    detector_wall_s: list[float] = field(default_factory=list)  # measured here, not modelled
    events: list[dict[str, Any]] = field(default_factory=list)
    commands: list[AlertCommand] = field(default_factory=list)

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == "alert"]


def time_scaled(session: Session, speed: float) -> Session:
    """The session played ``speed`` times faster: every frame and sensor time divided by it.

    An approximation, not a faster run: a walker filmed approaching at 1.3 m/s, played at x3,
    closes like a 4 m/s jogger with real pixels, but their stride, the motion blur, the camera's
    shake and the rangefinder's ping rate all stay those of the slow recording (and ranges keep
    their values, only their times change).
    """
    if not speed > 0:
        raise ValueError(f"speed: expected a factor > 0, got {speed!r}")
    if speed == 1:
        return session
    sensors = [dataclasses.replace(r, t=r.t / speed) for r in session.sensors]
    return dataclasses.replace(session, frame_times=session.frame_times / speed,
                               sensors=sensors,
                               notes=[*session.notes, f"times divided by {speed:g} (--speed)"])


def mirrored(session: Session) -> Session:
    """The session played mirrored left to right: the same scenes (a person walking at the
    camera still does, one passing on the left now passes on the right), other pixels for the
    detector, which is not mirror-symmetric. A cheap look at footage the alerts were not tuned
    on (``rearguard evaluate --mirror``)."""
    return dataclasses.replace(session, mirrored=True, notes=[*session.notes, "mirrored"])


def pitch_off(session: Session, degrees: float, fallback: MountingConfig) -> Session:
    """The session with its camera's pitch written ``degrees`` off (positive: as if it looked
    further down than it did; ``fallback``: the mounting of a session that states none). A
    strap sits differently on every run, and a clip's mounting is someone's guess: how much
    the alerts lean on it (``rearguard evaluate --pitch-off``)."""
    if not degrees:
        return session
    mounting = dict(session.meta.get("mounting") or dataclasses.asdict(fallback))
    pitch = float(mounting.get("pitch_deg", fallback.pitch_deg)) + degrees
    limits = next(f.metadata for f in dataclasses.fields(MountingConfig)
                  if f.name == "pitch_deg")  # what a meta.toml may state
    mounting["pitch_deg"] = min(max(pitch, limits["min"]), limits["max"])
    return dataclasses.replace(session, meta={**session.meta, "mounting": mounting},
                               notes=[*session.notes, f"pitch {degrees:+g} deg (--pitch-off)"])


def replay_session(session: Session, config: Config, detector: Detector,
                   profile: BoardProfile, *, emit: EventSink | None = None,
                   progress: Progress | None = None) -> ReplayResult:
    """Run ``session`` through the core as the device would have; see the module docstring."""
    config = config_for_session(config, session)
    result = ReplayResult(session, profile, profile.inference_s(detector.spec.name))
    result.frames_total = session.frame_count

    def record(e: dict[str, Any]) -> None:
        result.events.append(e)
        if emit is not None:
            emit(e)

    watched = frozenset({Stage.CAMERA, Stage.DETECTOR} | (
        {Stage.RANGER} if config.rangefinders else set()))
    intrinsics = session_intrinsics(session) or camera_intrinsics(config.camera)
    core = Core(config, detector.spec.obstacle_heights, record, watched=watched,
                intrinsics=intrinsics)
    views = ViewScheduler.for_config(config, intrinsics, view_s=result.inference_s)
    _Replayer(session, config, detector, views, core, result, record, progress).run()
    return result


class _Replayer:
    """The time-ordered queue behind :func:`replay_session`."""

    def __init__(self, session: Session, config: Config, detector: Detector,
                 views: ViewScheduler, core: Core, result: ReplayResult, record: EventSink,
                 progress: Progress | None):
        self.session, self.detector, self.views, self.core = session, detector, views, core
        self.pixels = PixelMeters(frozenset(detector.spec.obstacle_heights))
        self.near_m = config.far_view.near_m
        self.result, self.record, self.progress = result, record, progress
        self.tick_s = 1.0 / config.alert.tick_hz
        self.queue: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        self.busy_until = float("-inf")
        self.meters_until = float("-inf")  # when the pixel meters finish their last frame
        self.frame_size: tuple[int, int] | None = None
        self.waiting: Frame | None = None
        self.frames: Iterator[Frame] = session.frames()

    def push(self, t: float, order: int, item: Any) -> None:
        heapq.heappush(self.queue, (t, order, self.seq, item))
        self.seq += 1

    def run(self) -> None:
        for record in self.session.sensors:
            self.push(record.t, _SENSOR, record)
        for t in self.session.frame_times:
            self.push(float(t), _FRAME, None)
        start, end = self._span()
        k = 0
        while start + k * self.tick_s <= end:
            self.push(start + k * self.tick_s, _TICK, None)
            k += 1
        while self.queue:
            t, order, _, item = heapq.heappop(self.queue)
            self._handle(t, order, item)

    def _span(self) -> tuple[float, float]:
        times = [float(self.session.frame_times[0]), float(self.session.frame_times[-1])]
        if self.session.sensors:
            times += [self.session.sensors[0].t, self.session.sensors[-1].t]
        # Ticks stop with the recording: the last results are decided as they arrive, and a
        # tick beyond the end would only find the camera "lost" because the recording ended.
        return min(times), max(times)

    def _handle(self, t: float, order: int, item: Any) -> None:
        if order == _SENSOR:
            self._sensor(item)
            self._decide(t)  # as the live loop: a reading is decided on when it arrives
        elif order == _FRAME:
            self._frame(next(self.frames))
        elif order == _RESULT:
            self.core.on_detections(item)
            self._decide(t)  # and so are detections
        elif order == _FREE:
            if self.waiting is not None and self.busy_until <= t:
                self._start(self.waiting, t)
                self.waiting = None
        else:
            self._decide(t)  # the tick: supervision and pattern timing

    def _decide(self, t: float) -> None:
        command = self.core.tick(t)
        if command is not None:
            self.result.commands.append(command)

    def _sensor(self, record: RangeReading | ButtonPress | RecordedFault) -> None:
        if isinstance(record, RangeReading):
            self.core.on_range(record)
        elif isinstance(record, ButtonPress):
            self.core.on_button(record.t, record.press)
        elif record.stage in set(Stage):
            self.core.on_fault(record.t, Stage(record.stage), record.cause)

    def _frame(self, frame: Frame) -> None:
        self.core.on_frame(frame.t, frame.index)
        if self.progress is not None:
            self.progress(frame.index + 1, self.result.frames_total)
        if self.waiting is not None:  # newest frame wins: the older waiting one is dropped
            self._drop(self.waiting)
            self.waiting = None
        if frame.t >= self.busy_until:
            self._start(frame, frame.t)
        else:
            self.waiting = frame

    def _start(self, frame: Frame, t: float) -> None:
        if frame.size != self.frame_size:  # the board's time for what each view feeds
            self.frame_size = frame.size
            self.views.model_board(self.result.profile, self.detector, frame.size)
            self.result.inference_s = self.views.view_s
            self.result.far_view_s = self.views.far_s
        began = time.perf_counter()
        self.views.threat_near = threat_near(self.core.obstacles, self.near_m)
        self.views.look_again = self.core.awaiting_far_view()
        far_runs = self.views.far_runs
        first: list[StartedViews] = []
        rest = self.views.start(self.detector, frame, first.append)
        self.busy_until = t + self.views.spent_s
        if first:  # a frame both views share: its first part is ready after the full view
            self._to_core(frame, first[0], t + (self.views.view_s or 0.0), final=False)
        self._to_core(frame, rest, self.busy_until, final=True)
        self.result.detector_wall_s.append(time.perf_counter() - began)
        self.result.far_views += self.views.far_runs - far_runs
        self.result.frames_processed += 1
        self.record(event(frame.t, "frame", index=frame.index, start=t, done=self.meters_until))
        self.push(self.busy_until, _FREE, None)

    def _to_core(self, frame: Frame, views: StartedViews, ready: float, final: bool) -> None:
        """Views the network had run by ``ready``: decoded and through the pixel meters (on
        their own thread, one part of a frame after another), then on to the core."""
        found = self.pixels.measure(frame, views.decoded(), final)
        self.meters_until = max(ready, self.meters_until) + \
            self.result.profile.pixels_s(self.pixels.objects(found))
        self.push(self.meters_until, _RESULT, found)

    def _drop(self, frame: Frame) -> None:
        self.result.frames_dropped += 1
        self.record(event(frame.t, "frame", index=frame.index, dropped=True))
