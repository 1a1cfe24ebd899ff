"""The live loop on the device: threads around the same Core that replay drives.

    camera thread   reads frames (stamped at capture), hands the newest to the detector and
                    every frame to the recorder
    detector thread "newest frame wins": takes the newest waiting frame, never a queue of them
    ranging threads one per rangefinder, at its own rate; no echo is reported as no echo
    recorder thread JPEG-encodes and appends frames to the session (bounded; drops when behind)
    main thread     every 1/tick_hz: feeds everything that arrived to the Core in time order,
                    ticks it, hands alert commands to the haptics player, pets the watchdog

Only the main thread touches the Core, so the Core needs no locks and stays the pure,
deterministic thing replay tests. A device that fails at run time is reported to the Core as a
fault (the runner feels the fault pattern) and retried; the rest keeps working.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rearguard.config import Config
from rearguard.core.events import event
from rearguard.core.pipeline import Core, EventSink
from rearguard.detection import Detector
from rearguard.detection.farview import ViewScheduler
from rearguard.devices.base import DeviceFault, FrameSource, Rangefinder
from rearguard.drive import systemd
from rearguard.messages import AlertCommand, DetectionSet, Frame, RangeReading, Stage
from rearguard.session import SessionWriter

Clock = Callable[[], float]
RETRY_S = 0.5  # wait before retrying a device that failed


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
class _Input:
    """Something for the Core, tagged with the time it is about (for time-ordered feeding)."""

    t: float
    kind: str  # "frame", "detections", "range", "button", "fault"
    payload: Any


class LiveLoop:
    """Runs the device until ``stop`` is set (or the camera's file ends, for a video source)."""

    def __init__(self, config: Config, detector: Detector, camera: FrameSource,
                 rangefinders: Sequence[Rangefinder], play: Callable[[AlertCommand], None],
                 events: EventSink, *, recorder: SessionWriter | None = None,
                 clock: Clock = time.monotonic):
        self.config, self.detector, self.camera = config, detector, camera
        self.rangefinders, self.play, self.recorder = rangefinders, play, recorder
        self.clock = clock
        self.inputs: queue.SimpleQueue[_Input] = queue.SimpleQueue()
        self.newest = NewestFrame()
        self.recording: queue.Queue[Frame] = queue.Queue(maxsize=8)
        self.recording_dropped = 0
        self.stop = threading.Event()
        self.shutdown_requested = False
        self.commands: list[AlertCommand] = []
        watched = frozenset({Stage.CAMERA, Stage.DETECTOR, Stage.HAPTICS} | (
            {Stage.RANGER} if rangefinders else set()))
        self._events = self._record_event(events)
        self.core = Core(config, detector.spec.obstacle_heights, self._events, watched=watched)
        self.views = ViewScheduler.for_config(config)  # full view, and the far view when due

    def _record_event(self, events: EventSink) -> EventSink:
        if self.recorder is None:
            return events

        def both(record: dict[str, Any]) -> None:
            events(record)
            self.recorder.add_event(record)
        return both

    # --- threads -----------------------------------------------------------------------------

    def _camera_thread(self) -> None:
        while not self.stop.is_set():
            try:
                frame = self.camera.read()
            except DeviceFault as fault:
                self.inputs.put(_Input(self.clock(), "fault", (Stage.CAMERA, fault.cause)))
                self.stop.wait(RETRY_S)
                continue
            if frame is None:  # a video file ended
                self.stop.set()
                return
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
        next_sync = self.clock() + 2.0
        while not (self.stop.is_set() and self.recording.empty()):
            try:
                frame = self.recording.get(timeout=0.2)
            except queue.Empty:
                continue
            self.recorder.add_frame(frame)
            if self.clock() > next_sync:  # for power cuts; SIGKILL needs no sync
                self.recorder.sync()
                next_sync = self.clock() + 2.0

    def _detector_thread(self) -> None:
        while not self.stop.is_set():
            frame = self.newest.take(timeout=0.2)
            if frame is None:
                continue
            start = self.clock()
            try:
                detections = self.views.detect(self.detector, frame)
            except Exception as e:  # a detector crash is a fault the runner feels, not the end
                self.inputs.put(_Input(frame.t, "fault", (Stage.DETECTOR, repr(e))))
                continue
            self.inputs.put(_Input(frame.t, "detections", (detections, start, self.clock())))

    def _ranging_thread(self, rangefinder: Rangefinder, period_s: float) -> None:
        next_ping = self.clock()
        while not self.stop.is_set():
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
            next_ping = reading.t + pace(period_s) if pace else next_ping + period_s
            self.stop.wait(max(0.0, next_ping - self.clock()))

    def report_fault(self, stage: Stage, cause: str) -> None:
        """A device fault from any thread (the haptics player's, for one)."""
        self.inputs.put(_Input(self.clock(), "fault", (stage, cause)))

    def button_pressed(self, press: str) -> None:
        """Callback for the button driver (any thread): "short" or "long"."""
        t = self.clock()
        self.inputs.put(_Input(t, "button", press))
        if self.recorder is not None:
            self.recorder.add_sensor_record({"t": t, "kind": "button", "press": press})

    # --- main thread -------------------------------------------------------------------------

    def run(self, duration_s: float | None = None) -> None:
        threads = self._start_threads()
        tick_s = 1.0 / self.config.alert.tick_hz
        start = self.clock()
        systemd.notify("READY=1")
        k = 0
        try:
            while not self.stop.is_set():
                k += 1
                self.stop.wait(max(0.0, start + k * tick_s - self.clock()))
                self._tick(self.clock())
                if all(t.is_alive() for t in threads):
                    systemd.notify("WATCHDOG=1")  # a hung thread lets systemd restart us
                if duration_s is not None and self.clock() - start >= duration_s:
                    self.stop.set()
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=2.0)
            self._tick(self.clock())  # what arrived last still reaches the log

    def _start_threads(self) -> list[threading.Thread]:
        targets: list[tuple[str, Callable, tuple]] = [
            ("camera", self._camera_thread, ()), ("detector", self._detector_thread, ())]
        for rf, rc in zip(self.rangefinders, self.config.rangefinders, strict=False):
            targets.append((f"ranger-{rf.name}", self._ranging_thread, (rf, 1.0 / rc.rate_hz)))
        if self.recorder is not None:
            targets.append(("recorder", self._recorder_thread, ()))
        threads = [threading.Thread(target=fn, args=args, name=name, daemon=True)
                   for name, fn, args in targets]
        for thread in threads:
            thread.start()
        return threads

    def _tick(self, now: float) -> None:
        arrived: list[_Input] = []
        while True:
            try:
                arrived.append(self.inputs.get_nowait())
            except queue.Empty:
                break
        arrived.sort(key=lambda item: item.t)  # threads deliver slightly out of order
        for item in arrived:
            self._feed(item)
        command = self.core.tick(now)
        if command is not None:
            self.commands.append(command)
            self.play(command)

    def _feed(self, item: _Input) -> None:
        if item.kind == "frame":
            self.core.on_frame(item.t, item.payload)
        elif item.kind == "detections":
            detections: DetectionSet = item.payload[0]
            self._events(event(item.t, "frame", index=detections.frame_index,
                               start=item.payload[1], done=item.payload[2]))
            self.core.on_detections(detections)
        elif item.kind == "dropped":
            self._events(event(item.t, "frame", index=item.payload, dropped=True))
        elif item.kind == "range":
            reading: RangeReading = item.payload
            self.core.on_range(reading)
        elif item.kind == "button":
            self.core.on_button(item.t, item.payload)
            if item.payload == "long":
                self.shutdown_requested = True
                self.stop.set()
        elif item.kind == "fault":
            stage, cause = item.payload
            self.core.on_fault(item.t, stage, cause)
