"""The pattern player: plays haptic patterns on the motors without blocking anyone.

One thread owns the motors. ``play(command)`` hands it a command and returns at once; the
thread drops whatever it was playing and starts the new pattern within microseconds (a newer
command always preempts: the policy decides what matters more). A looping pattern (caution,
warning, danger, fault-both) becomes the *background*; a one-shot (armed, a partial fault,
muted) plays over it and the background resumes afterwards. These rules live in
``haptics/playback.py``, which the report uses too.

A motor that fails (an I2C error on a DRV2605L) raises DeviceFault in the thread; the player
reports it through ``on_fault`` and keeps going on the other motors.

The thread never sleeps longer than ``IDLE_S``: each time round it stamps ``last_beat`` (the
live loop's watchdog checks it) and, when idle, lets the output ``poll`` a failed driver.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rearguard.devices.base import DeviceFault, HapticOutput
from rearguard.haptics.patterns import PATTERNS, Pattern
from rearguard.haptics.playback import Playing, motor_sides
from rearguard.messages import AlertCommand, BodySide

Clock = Callable[[], float]
IDLE_S = 0.5


class PatternPlayer:
    def __init__(self, output: HapticOutput, *, clock: Clock = time.monotonic,
                 max_intensity: float = 1.0,
                 on_fault: Callable[[DeviceFault], None] | None = None):
        self.output = output
        self.clock = clock
        self.max_intensity = max_intensity
        self.on_fault = on_fault
        self._wake = threading.Condition()
        self._next: AlertCommand | None = None
        self._stop = False
        self.now_playing: tuple[str, BodySide] | None = None
        self.last_beat = clock()
        self._thread = threading.Thread(target=self._run, name="haptics", daemon=True)
        self._thread.start()

    def play(self, command: AlertCommand) -> None:
        """Start ``command``'s pattern now (non-blocking); it preempts what is playing."""
        if command.pattern not in PATTERNS:
            raise ValueError(f"no haptic pattern named {command.pattern!r}")
        with self._wake:
            self._next = command
            self._wake.notify()

    @property
    def alive(self) -> bool:
        """False once the motor thread has died (a bug, not a device fault: those are caught)."""
        return self._thread.is_alive()

    def close(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify()
        self._thread.join(timeout=2.0)
        self._safe(self.output.stop_all)

    # --- the motor thread --------------------------------------------------------------------

    def _run(self) -> None:
        playing = Playing()
        while True:
            self.last_beat = self.clock()
            with self._wake:
                if self._next is None and playing.current is None:
                    self._wake.wait(IDLE_S)
                if self._stop:
                    return
                if self._next is not None:
                    playing.start(self._next)
                    self._next = None
            current = playing.current
            if current is None:
                self._poll()
                continue
            pattern = PATTERNS[current.pattern]
            sides = motor_sides(pattern, current.side, self.output.sides)
            if self._play_once(pattern, sides) and playing.cycle_done() is None:
                self.now_playing = None
            # else preempted: the new command is waiting in self._next

    def _play_once(self, pattern: Pattern, sides: tuple[BodySide, ...]) -> bool:
        """Play one cycle of ``pattern``; False as soon as a new command arrives."""
        self.now_playing = (pattern.name, sides[0] if len(sides) == 1 else BodySide.CENTRE)
        if not pattern.steps:
            self._set(sides, 0.0)
            self._safe(self.output.stop_all)
            return True
        deadline = self.clock()
        for duration, intensity in pattern.steps:
            self.last_beat = self.clock()
            self._set(sides, intensity * self.max_intensity)
            deadline += duration
            with self._wake:
                while self._next is None and not self._stop:
                    remaining = deadline - self.clock()
                    if remaining <= 0:
                        break
                    self._wake.wait(remaining)
                if self._next is not None or self._stop:
                    return False
        if not pattern.repeat:
            self._set(sides, 0.0)
        return True

    def _poll(self) -> None:
        poll = getattr(self.output, "poll", None)
        if poll is not None:
            self._safe(poll)

    def _set(self, sides: tuple[BodySide, ...], intensity: float) -> None:
        for side in self.output.sides:
            level = intensity if side in sides else 0.0
            self._safe(lambda s=side, v=level: self.output.set_intensity(s, v))

    def _safe(self, action: Callable[[], None]) -> None:
        try:
            action()
        except DeviceFault as fault:
            if self.on_fault is not None:
                self.on_fault(fault)
