"""The supervisor: which stages are alive, judged only from the timestamps they deliver.

A stage that goes quiet for longer than its limit is *lost*; the policy turns the lost set into a
fault pattern the runner can feel (camera lost -> rangefinder alone, and so on). A fault a device
reports itself (an I2C error) marks its stage lost until that stage delivers again.

The detector can only be as fresh as the frames it is given: when the camera comes back after
a loss, the detector's silence is counted from the camera's return, not from before the loss
(else every camera recovery would be followed by a spurious detector fault).
"""

from __future__ import annotations

import math

from rearguard.config.schema import SupervisorConfig
from rearguard.core.events import event
from rearguard.messages import Health, Stage


class Supervisor:
    def __init__(self, limits: SupervisorConfig, watched: frozenset[Stage]):
        self._limits = {
            Stage.CAMERA: limits.camera_stale_s,
            Stage.RANGER: limits.ranger_stale_s,
            Stage.DETECTOR: limits.detector_stale_s,
            Stage.HAPTICS: math.inf,  # silent by nature: lost only when a motor reports a fault
            Stage.STORAGE: math.inf,  # likewise: lost when the recorder reports it stopped
        }
        self._watched = watched & self._limits.keys()
        self._last_seen: dict[Stage, float] = {}
        self._reported: dict[Stage, str] = {}  # stage -> cause of a fault a device reported
        self._lost: frozenset[Stage] = frozenset()
        self._start: float | None = None

    def seen(self, stage: Stage, t: float) -> None:
        """``stage`` delivered something captured at ``t`` (a frame, a reading, detections)."""
        if stage == Stage.CAMERA and Stage.CAMERA in self._lost:
            # Frames again: give the detector its own time to catch up from here.
            self._last_seen[Stage.DETECTOR] = max(t, self._last_seen.get(Stage.DETECTOR, t))
        self._last_seen[stage] = max(t, self._last_seen.get(stage, t))
        self._reported.pop(stage, None)

    def reported_fault(self, stage: Stage, cause: str) -> None:
        self._reported[stage] = cause

    def health(self, t: float) -> tuple[Health, list[dict]]:
        """Health at ``t``, and a ``fault`` event for each stage lost or recovered since."""
        if self._start is None:
            self._start = t
        causes = {stage: cause for stage in self._watched
                  if (cause := self._cause(stage, t)) is not None}
        if Stage.CAMERA in causes:
            causes.pop(Stage.DETECTOR, None)  # no frames, nothing to detect: the camera is at fault
        lost = frozenset(causes)
        events = [event(t, "fault", stage=s, active=True, cause=causes[s])
                  for s in sorted(lost - self._lost)]
        events += [event(t, "fault", stage=s, active=False) for s in sorted(self._lost - lost)]
        self._lost = lost
        return Health(t, lost), events

    def _cause(self, stage: Stage, t: float) -> str | None:
        if stage in self._reported:
            return self._reported[stage]
        # Before a stage's first delivery, count its silence from the start.
        last = self._last_seen.get(stage, self._start)
        if t - last > self._limits[stage]:
            return f"nothing for {t - last:.1f} s (limit {self._limits[stage]:g} s)"
        return None
