"""The live loop on the device: threads around the same Core that replay drives.

    camera thread   reads frames (stamped at capture), hands the newest to the detector and
                    every frame to the recorder; a picture that stops changing is a fault
    detector thread "newest frame wins": takes the newest waiting frame, never a queue of them,
                    runs the network on the views due on it and hands the outputs on
    pixels thread   decodes them into boxes and measures each box from its own pixels
                    (growth, colours) while the detector already runs the next frame: the
                    decoding and the meters delay a frame's detections, not the detector
                    (which waits only when the meters are two frames behind)
    ranging threads one per rangefinder, at its own rate; no echo is reported as no echo
    recorder thread JPEG-encodes and appends frames to the session (bounded; drops when behind)
                    and keeps the recording folder within its quota
    main thread     decides the moment something arrives: feeds it to the Core in time order
                    and hands any alert command to the haptics player at once. Every
                    1/tick_hz it also supervises (stale stages, pattern timing), pets the
                    systemd watchdog when every thread is fresh, and updates the status

Only the main thread touches the Core, so the Core needs no locks and stays the pure,
deterministic thing replay tests. A device that fails at run time is reported to the Core as a
fault (the runner feels the fault pattern) and retried; the rest keeps working.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from rearguard.config import Config
from rearguard.config.lens import camera_intrinsics
from rearguard.core.events import event
from rearguard.core.pipeline import Core, EventSink
from rearguard.detection import Detector
from rearguard.detection.farview import FIRST, StartedViews, ViewScheduler, threat_near
from rearguard.detection.pixels import PixelMeters
from rearguard.devices.base import DeviceFault, FrameSource, Rangefinder
from rearguard.drive import systemd
from rearguard.drive.health import FROZEN_AFTER_S, FrozenPicture, Heartbeats, Status
from rearguard.messages import AlertCommand, DetectionSet, Frame, RangeReading, Stage
from rearguard.session import SessionWriter
from rearguard.session.storage import make_room

Clock = Callable[[], float]
RETRY_S = 0.5  # wait before retrying a device that failed
JOIN_S = 0.5  # at the end, the most to wait for all threads together (SIGTERM: exit in 1 s)
ROOM_EVERY_S = 5.0  # how often the recorder checks the recording folder's quota
# Frames (or parts of a shared frame, farview.FIRST) the detector may run ahead of the pixel
# meters.
MEASURING_BACKLOG = 2
# Views whose outputs are alive at once (the detector's ring of output buffers, per input
# shape): the frames queued, the one being decoded and the one the network writes, two views
# each at most (the full and the far view; the wide far window has the full view's shape). A
# shared frame's two parts hold its two views between them: no more.
OUTPUTS_IN_FLIGHT = 2 * (MEASURING_BACKLOG + 2)
# Faults the policy has no pattern for (nothing about what the device can see): the loop
# plays these once when the fault starts.
ONE_SHOT_FAULTS = {Stage.HAPTICS: "fault-haptics", Stage.STORAGE: "fault-storage"}


class NewestFrame:
    """A one-frame mailbox: a new frame replaces the one waiting (which is dropped)."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._ready = threading.Condition()
        self.dropped = 0

    def put(self, frame: Frame) -> Frame | None:
        """Leave ``frame`` for the detector; returns the frame it replaced, if any."""
        with self._ready:
            replaced, self._frame = self._frame, frame
            if replaced is not None:
                self.dropped += 1
            self._ready.notify()
            return replaced

    def take(self, timeout: float) -> Frame | None:
        with self._ready:
            if self._frame is None:
                self._ready.wait(timeout)
            frame, self._frame = self._frame, None
            return frame


@dataclass(frozen=True)
class _Found:
    """A frame and the views the network ran on it, on their way to decoding and the pixel
    meters."""

    frame: Frame
    views: StartedViews
    start: float  # when the detector took the frame


@dataclass(frozen=True)
class _Input:
    """Something for the Core, tagged with the time it is about (for time-ordered feeding)."""

    t: float
    kind: str  # "frame", "dropped", "detections", "range", "button", "fault", "recovered"
    payload: Any


class LiveLoop:
    """Runs the device until ``stop`` is set (or the camera's file ends, for a video source)."""

    def __init__(self, config: Config, detector: Detector, camera: FrameSource,
                 rangefinders: Sequence[Rangefinder], play: Callable[[AlertCommand], None],
                 events: EventSink, *, recorder: SessionWriter | None = None,
                 clock: Clock = time.monotonic, notify: Callable[[str], bool] = systemd.notify,
                 on_status: Callable[[Status], None] | None = None):
        self.config, self.detector, self.camera = config, detector, camera
        detector.keep_outputs = OUTPUTS_IN_FLIGHT  # decoded on the pixels thread, later
        # The pixels thread's own: each frame's growth against the frame before it, colours.
        self.pixels = PixelMeters(frozenset(detector.spec.obstacle_heights))
        self.measuring: queue.Queue[_Found] = queue.Queue(maxsize=MEASURING_BACKLOG)
        self.rangefinders, self.play, self.recorder = rangefinders, play, recorder
        self.clock, self.notify, self.on_status = clock, notify, on_status
        self.inputs: queue.SimpleQueue[_Input] = queue.SimpleQueue()
        self.newest = NewestFrame()
        self.recording: queue.Queue[Frame] = queue.Queue(maxsize=8)
        self.recording_dropped = 0
        self.stop = threading.Event()
        self.stop_reason: str | None = None
        self.shutdown_requested = False  # the one source of truth: a long press was made
        self.command_count = 0
        self.commands: deque[AlertCommand] = deque(maxlen=256)  # the recent ones
        self.faults: set[str] = set()  # stages lost now (from the Core's fault events)
        self.beats = Heartbeats(clock)
        self.last_hung: list[str] = []
        self._frame_times: deque[float] = deque(maxlen=256)
        self._status_sent = ""
        watched = frozenset({Stage.CAMERA, Stage.DETECTOR, Stage.HAPTICS, Stage.STORAGE} | (
            {Stage.RANGER} if rangefinders else set()))
        self._events = self._record_event(events)
        self.core = Core(config, detector.spec.obstacle_heights, self._events, watched=watched,
                         intrinsics=camera_intrinsics(config.camera))
        self.views = ViewScheduler.for_config(config)  # full view, and the far view when due
        if recorder is not None:
            self.attach_recorder(recorder)

    def attach_recorder(self, recorder: SessionWriter) -> None:
        """Storage errors become a fault the runner feels, and its recovery clears it."""
        recorder.on_error = lambda cause: self.report_fault(Stage.STORAGE, cause)
        recorder.on_recover = lambda: self.report_recovered(Stage.STORAGE)

    def _record_event(self, events: EventSink) -> EventSink:
        def sink(record: dict[str, Any]) -> None:
            events(record)
            if self.recorder is not None:
                self.recorder.add_event(record)
            self._on_event(record)  # after: a fault is logged before the pattern it plays
        return sink

    def _on_event(self, record: dict[str, Any]) -> None:
        """Keep the status's fault list; play the one-shot of a fault the policy has none for."""
        if record["kind"] != "fault":
            return
        stage = record["stage"]
        if not record.get("active"):
            self.faults.discard(stage)
            return
        self.faults.add(stage)
        pattern = ONE_SHOT_FAULTS.get(Stage(stage))
        if pattern is not None:
            self._one_shot(record["t"], pattern)

    def _one_shot(self, t: float, pattern: str) -> None:
        """A pattern the loop itself plays over the policy's (the player resumes the loop)."""
        if self.stop.is_set():
            return
        command = AlertCommand(t, self.core.policy.level, pattern)
        self._events(event(t, "pattern", pattern=pattern, level=command.level,
                           side=command.side))
        self._play(command)

    # --- threads -----------------------------------------------------------------------------

    def _camera_thread(self) -> None:
        frozen = FrozenPicture()
        while not self.stop.is_set():
            self.beats.beat("camera")
            try:
                frame = self.camera.read()
            except DeviceFault as fault:
                self.inputs.put(_Input(self.clock(), "fault", (Stage.CAMERA, fault.cause)))
                self.stop.wait(RETRY_S)
                continue
            if frame is None:  # a video file ended
                self.request_stop("end of the video")
                return
            if frozen.same(frame):
                self._frozen(frame, frozen)
                continue  # the same picture again is no news: not a heartbeat, not detected
            self._deliver(frame)

    def _frozen(self, frame: Frame, frozen: FrozenPicture) -> None:
        held = frozen.frozen_for(frame.t)
        if held >= FROZEN_AFTER_S:
            self.inputs.put(_Input(frame.t, "fault", (
                Stage.CAMERA, f"the picture has not changed for {held:.1f} s (frozen)")))

    def _deliver(self, frame: Frame) -> None:
        self.inputs.put(_Input(frame.t, "frame", frame.index))
        replaced = self.newest.put(frame)
        if replaced is not None:
            self.inputs.put(_Input(replaced.t, "dropped", replaced.index))
        if self.recorder is not None:
            self._queue_for_recording(frame)

    def _queue_for_recording(self, frame: Frame) -> None:
        try:
            self.recording.put_nowait(frame)
        except queue.Full:  # the SD card is behind: lose a recorded frame, never a live one
            self.recording_dropped += 1

    def _recorder_thread(self) -> None:
        next_sync = next_room = self.clock()
        while not (self.stop.is_set() and self.recording.empty()):
            if self.clock() >= next_room:
                self._keep_room()
                next_room = self.clock() + ROOM_EVERY_S
            try:
                frame = self.recording.get(timeout=0.2)
            except queue.Empty:
                continue
            self.recorder.add_frame(frame)
            if self.clock() > next_sync:  # for power cuts; SIGKILL needs no sync
                self.recorder.sync()
                next_sync = self.clock() + 2.0

    def _keep_room(self) -> None:
        """Remove the oldest sessions for the quota; hold recording while there is no room."""
        rec = self.config.recording
        try:
            room = make_room(self.recorder.folder.parent, rec.max_total_mb, rec.min_free_mb,
                             keep=self.recorder.folder)
        except OSError as e:
            room = None
            self.recorder.hold(f"cannot check the recording folder: {e.strerror or e}")
        if room is None:
            return
        if room.problem:
            self.recorder.hold(f"no room: {room.problem}")
        else:
            self.recorder.release()

    def _detector_thread(self) -> None:
        while not self.stop.is_set():
            self.beats.beat("detector")
            frame = self.newest.take(timeout=0.2)
            if frame is None:
                continue
            start = self.clock()
            try:
                self.views.threat_near = threat_near(self.core.obstacles,
                                                     self.config.far_view.near_m)
                self.views.look_again = self.core.awaiting_far_view()
                # A frame both views share: the full view's part goes on while the far view
                # runs (ViewScheduler.start).
                views = self.views.start(self.detector, frame, partial(self._hand_first,
                                                                       frame, start))
            except Exception as e:  # a detector crash is a fault the runner feels, not the end
                self.inputs.put(_Input(frame.t, "fault", (Stage.DETECTOR, repr(e))))
                continue
            self._hand_to_meters(_Found(frame, views, start))

    def _hand_first(self, frame: Frame, start: float, first: StartedViews) -> None:
        self._hand_to_meters(_Found(frame, first, start))

    def _hand_to_meters(self, item: _Found) -> None:
        """Queue ``item`` for the pixels thread; wait (alive) while it is full."""
        while not self.stop.is_set():
            try:
                self.measuring.put(item, timeout=0.2)
                return
            except queue.Full:
                self.beats.beat("detector")  # waiting on the meters is not hanging

    def _pixels_thread(self) -> None:
        while not self.stop.is_set():
            self.beats.beat("pixels")
            try:
                item = self.measuring.get(timeout=0.2)
            except queue.Empty:
                continue
            final = item.views.part != FIRST  # the rest of the frame follows
            try:
                detections = self.pixels.measure(item.frame, item.views.decoded(), final)
            except Exception as e:  # part of the detector's stage for the runner
                self.inputs.put(_Input(item.frame.t, "fault", (Stage.DETECTOR, repr(e))))
                continue
            self.inputs.put(_Input(item.frame.t, "detections",
                                   (detections, item.start, self.clock(), final)))

    def _ranging_thread(self, rangefinder: Rangefinder, period_s: float) -> None:
        name = f"ranger-{rangefinder.name}"
        next_ping = self.clock()
        while not self.stop.is_set():
            self.beats.beat(name)
            try:
                reading = rangefinder.measure()
            except DeviceFault as fault:
                self.inputs.put(_Input(self.clock(), "fault", (Stage.RANGER, fault.cause)))
                self.stop.wait(RETRY_S)
                continue
            self.inputs.put(_Input(reading.t, "range", reading))
            if self.recorder is not None:
                self.recorder.add_range(reading)
            pace = getattr(rangefinder, "next_interval_s", None)  # HC-SR04: faster when near
            planned = reading.t + pace(period_s) if pace else next_ping + period_s
            next_ping = max(planned, self.clock())  # no burst after a stall
            self.stop.wait(max(0.0, next_ping - self.clock()))

    def report_fault(self, stage: Stage, cause: str) -> None:
        """A device fault from any thread (the haptics player's, the recorder's)."""
        self.inputs.put(_Input(self.clock(), "fault", (stage, cause)))

    def report_recovered(self, stage: Stage) -> None:
        """A part that only reports faults (motors, storage) works again."""
        self.inputs.put(_Input(self.clock(), "recovered", stage))

    def button_pressed(self, press: str) -> None:
        """Callback for the button driver (any thread): "short" or "long"."""
        t = self.clock()
        self.inputs.put(_Input(t, "button", press))
        if self.recorder is not None:
            self.recorder.add_sensor_record({"t": t, "kind": "button", "press": press})

    def note(self, kind: str, **fields: Any) -> None:
        """An event from another thread (fault injection, say), logged by the main thread."""
        self.inputs.put(_Input(self.clock(), "note", (kind, fields)))

    def request_stop(self, reason: str) -> None:
        """End the run (a signal, the end of a clip); safe from a signal handler."""
        if self.stop_reason is None:
            self.stop_reason = reason
        self.stop.set()

    # --- main thread -------------------------------------------------------------------------

    def run(self, duration_s: float | None = None) -> None:
        threads = self._start_threads()
        tick_s = 1.0 / self.config.alert.tick_hz
        start = self.clock()
        next_tick = start
        self.beats.beat("main")
        self.notify("READY=1")
        try:
            while not self.stop.is_set():
                self._decide(self._wait_for_inputs(until=next_tick))
                now = self.clock()
                if now >= next_tick:
                    self._supervise(now)
                    next_tick = max(next_tick + tick_s, now)
                if duration_s is not None and now - start >= duration_s:
                    self.request_stop(f"{duration_s:g} s done")
        finally:
            self.stop.set()
            self.notify("STOPPING=1")
            self._finish(threads)

    def _wait_for_inputs(self, until: float) -> list[_Input]:
        """Everything that has arrived, waiting for the first until ``until`` at most."""
        try:
            arrived = [self.inputs.get(timeout=max(0.0, until - self.clock()))]
        except queue.Empty:
            return []
        while True:
            try:
                arrived.append(self.inputs.get_nowait())
            except queue.Empty:
                return arrived

    def _decide(self, arrived: list[_Input]) -> None:
        """Feed what arrived and decide now: a new obstacle is felt at input speed."""
        if not arrived:
            return
        arrived.sort(key=lambda item: item.t)  # threads deliver slightly out of order
        for item in arrived:
            self._feed(item)
        self._play(self.core.tick(self.clock()))

    def _supervise(self, now: float) -> None:
        """The periodic part: stale stages, pattern reminders, the watchdog, the status."""
        self.beats.beat("main")
        self._play(self.core.tick(now))
        hung = self.beats.hung(now, self.config.supervisor.hung_s)
        if not hung:
            self.notify("WATCHDOG=1")  # only while every thread comes round: else a restart
        if hung != self.last_hung:
            self._events(event(now, "watchdog", hung=hung, petting=not hung))
            self.last_hung = hung
        self._report_status(now, hung)

    def _play(self, command: AlertCommand | None) -> None:
        if command is None or self.stop.is_set():
            return  # stopping: the motors are the shutdown's now
        self.command_count += 1
        self.commands.append(command)
        self.play(command)

    def status(self, now: float, hung: list[str] | None = None) -> Status:
        fps = sum(1 for t in self._frame_times if now - t <= 1.0)  # frames in the last second
        recording = self.recorder is not None and self.recorder.failed is None
        return Status(self.core.policy.level, fps, len(self.core.obstacles),
                      sorted(self.faults), recording, hung if hung is not None else
                      self.last_hung)

    def _report_status(self, now: float, hung: list[str]) -> None:
        status = self.status(now, hung)
        text = f"{status.mode}; level {status.level.name}"  # no fps: systemd needs changes only
        if text != self._status_sent:
            self.notify(f"STATUS={text}")
            self._status_sent = text
        if self.on_status is not None:
            self.on_status(status)

    def _finish(self, threads: list[threading.Thread]) -> None:
        """Let the threads end (a hung one is left behind: they are daemons), log the rest."""
        deadline = self.clock() + JOIN_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - self.clock()))
        self._decide(self._wait_for_inputs(until=self.clock()))  # what came last reaches the log
        if not self.shutdown_requested and self.stop_reason is not None:
            self._events(event(self.clock(), "stop", reason=self.stop_reason))

    def _start_threads(self) -> list[threading.Thread]:
        targets: list[tuple[str, Callable, tuple]] = [
            ("camera", self._camera_thread, ()), ("detector", self._detector_thread, ()),
            ("pixels", self._pixels_thread, ())]
        for rf, rc in zip(self.rangefinders, self.config.rangefinders, strict=False):
            targets.append((f"ranger-{rf.name}", self._ranging_thread, (rf, 1.0 / rc.rate_hz)))
        if self.recorder is not None:
            targets.append(("recorder", self._recorder_thread, ()))
        threads = [threading.Thread(target=fn, args=args, name=name, daemon=True)
                   for name, fn, args in targets]
        for name, _, _ in targets:
            if name != "recorder":  # the recorder may stall on a slow card: never a restart
                self.beats.beat(name)
        for thread in threads:
            thread.start()
        return threads

    def _feed(self, item: _Input) -> None:
        if item.kind == "frame":
            self._frame_times.append(item.t)
            self.core.on_frame(item.t, item.payload)
        elif item.kind == "detections":
            detections: DetectionSet = item.payload[0]
            if item.payload[3]:  # the frame's last part: the frame is done
                self._events(event(item.t, "frame", index=detections.frame_index,
                                   start=item.payload[1], done=item.payload[2]))
            self.core.on_detections(detections)
        elif item.kind == "dropped":
            self._events(event(item.t, "frame", index=item.payload, dropped=True))
        elif item.kind == "range":
            reading: RangeReading = item.payload
            self.core.on_range(reading)
        elif item.kind == "button":
            self._button(item.t, item.payload)
        elif item.kind == "fault":
            stage, cause = item.payload
            self.core.on_fault(item.t, stage, cause)
        elif item.kind == "note":
            self._events(event(item.t, item.payload[0], **item.payload[1]))
        elif item.kind == "recovered":
            # Motors and storage deliver nothing the Core sees: mark them seen directly.
            self.core.supervisor.seen(item.payload, item.t)

    def _button(self, t: float, press: str) -> None:
        self.core.on_button(t, press)
        if press == "long":  # a safe shutdown: the runner feels it, then everything stops
            self._one_shot(t, "shutdown")
            self.shutdown_requested = True
            self.request_stop("long press")



def detector_threads(configured: int, profile: Any, cores: int) -> tuple[int, str]:
    """onnxruntime threads for the detector, and why: the config's when set, else the board's
    but never more than the cores left beside the loop's own threads (cores - 1), at least 1.

    More inference threads than free cores make them fight the camera, ranging and main
    threads: on 2 cores, 3 threads nearly doubled the camera-to-decision p95 (issue 12).
    """
    if configured:
        return configured, "detector.threads in the config"
    spare = max(1, cores - 1)
    board = profile.threads or spare
    chosen = max(1, min(board, spare))
    return chosen, (f"board {profile.name}: {profile.threads or 'any'}, {cores} cores here: "
                    f"at most {spare}")
