"""What the live loop knows about its own health: which threads still come round (for the
systemd watchdog), whether the camera's picture has frozen, and the status it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rearguard.messages import AlertLevel, Frame

Clock = Callable[[], float]
FROZEN_AFTER_S = 0.25  # the same picture this long: the sensor is stuck on one buffer


class Heartbeats:
    """When each thread last came round its loop (a hung thread stops beating)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._last: dict[str, float] = {}
        self._external: dict[str, Callable[[], float]] = {}

    def beat(self, name: str) -> None:
        self._last[name] = self.clock()

    def watch(self, name: str, last_beat: Callable[[], float]) -> None:
        """A thread this loop does not own (the haptics player's) that stamps its own beats."""
        self._external[name] = last_beat

    def hung(self, now: float, limit_s: float) -> list[str]:
        beats = dict(self._last)
        beats.update({name: last() for name, last in self._external.items()})
        return sorted(name for name, t in beats.items() if now - t > limit_s)


class FrozenPicture:
    """Spots a camera stuck on one picture: a real sensor's noise makes every frame differ,
    so identical frames for ``FROZEN_AFTER_S`` mean no new light is coming in."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self.since: float | None = None  # capture time of the first repeat

    def same(self, frame: Frame) -> bool:
        """True when ``frame`` shows exactly the picture before it."""
        previous, self._previous = self._previous, frame.image
        repeat = previous is not None and previous.shape == frame.image.shape and (
            previous is frame.image or np.array_equal(previous, frame.image))
        if not repeat:
            self.since = None
        elif self.since is None:
            self.since = frame.t
        return repeat

    def frozen_for(self, t: float) -> float:
        return 0.0 if self.since is None else t - self.since


@dataclass
class Status:
    """What the device is doing, for systemd's STATUS= and the terminal's status line."""

    level: AlertLevel
    fps: float
    tracks: int
    faults: list[str]
    recording: bool
    hung: list[str]

    @property
    def mode(self) -> str:
        if self.hung:
            return "hung: " + ", ".join(self.hung)
        if self.faults:
            return "degraded: " + ", ".join(self.faults) + " lost"
        return "running"

    def line(self) -> str:
        rec = ", recording" if self.recording else ""
        return (f"{self.mode}{rec}; level {self.level.name}; {self.fps:.1f} fps; "
                f"{self.tracks} tracks; faults: {', '.join(self.faults) or 'none'}")
