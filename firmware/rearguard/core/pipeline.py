"""The core step: detections and range readings in, obstacles, threats and alert commands out.

Pure and timestamp-driven: the Core never reads a clock and never touches hardware. The loop
drivers (``rearguard.drive.replay`` and the live loop) call it in time order:

    on_frame(t, index)        a frame was captured (the supervisor's camera heartbeat)
    on_detections(ds)         the detector finished a frame       -> world model (tracker)
    on_range(reading)         the rangefinder answered             -> world model (fusion)
    on_button(t, press)       the runner pressed the button        -> policy (mute / shutdown)
    on_fault(t, stage, cause) a device reported a fault            -> supervisor
    tick(t)                   every 1/alert.tick_hz seconds        -> supervisor + policy

Every decision is handed to ``emit`` as an event record (rearguard/session/FORMAT.md).
Given the same calls with the same arguments, the Core emits the same records, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rearguard.config.schema import Config
from rearguard.core.events import event
from rearguard.core.geometry import CameraIntrinsics
from rearguard.core.policy import AlertPolicy
from rearguard.core.supervisor import Supervisor
from rearguard.core.world import WorldModel
from rearguard.messages import AlertCommand, BodySide, DetectionSet, Obstacle, RangeReading, Stage

EventSink = Callable[[dict[str, Any]], None]


class Core:
    def __init__(self, config: Config, class_heights: Mapping[str, float], emit: EventSink, *,
                 watched: frozenset[Stage], intrinsics: CameraIntrinsics | None = None):
        """``watched``: the stages this device (or recording) has, whose silence is a fault."""
        self._emit = emit
        self.world = WorldModel(config, class_heights, intrinsics)
        self.policy = AlertPolicy(config.alert, haptic_sides(config),
                                  has_ranger=Stage.RANGER in watched)
        self.supervisor = Supervisor(config.supervisor, watched)
        self.obstacles: list[Obstacle] = []

    def on_frame(self, t: float, index: int) -> None:
        self.supervisor.seen(Stage.CAMERA, t)

    def on_detections(self, ds: DetectionSet) -> None:
        self.supervisor.seen(Stage.DETECTOR, ds.t)
        for d in ds.detections:
            self._emit(event(ds.t, "detection", frame=ds.frame_index, label=d.label,
                             score=d.score, box=d.box, growth=d.growth, view=d.view,
                             input_px=d.input_px))
        self._emit_all(self.world.add_detections(ds))

    def on_range(self, reading: RangeReading) -> None:
        self.supervisor.seen(Stage.RANGER, reading.t)
        self._emit_all(self.world.add_range(reading))

    def on_button(self, t: float, press: str) -> None:
        self._emit(event(t, "button", press=press))
        self._emit_all(self.policy.on_button(t, press))

    def on_fault(self, t: float, stage: Stage, cause: str) -> None:
        self.supervisor.reported_fault(stage, cause)

    def tick(self, t: float) -> AlertCommand | None:
        """Update health, obstacles and the alert level; a command when the haptics must change."""
        health, fault_events = self.supervisor.health(t)
        self._emit_all(fault_events)
        self.obstacles = self.world.obstacles(t)
        command, policy_events = self.policy.update(t, self.obstacles, health)
        self._emit_all(policy_events)
        return command

    def awaiting_far_view(self) -> bool:
        """Has the far view alone just found something that is not an obstacle yet? The view
        scheduler then looks again (``ViewScheduler.look_again``)."""
        return self.world.tracker.awaiting_far_view()

    def _emit_all(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self._emit(record)


def haptic_sides(config: Config) -> tuple[BodySide, ...]:
    """The body sides the configured haptics can address (one DRV2605 motor sits centre)."""
    if config.haptics.driver == "pwm":
        return tuple(BodySide(m.side) for m in config.haptics.motors)
    return (BodySide.CENTRE,)
