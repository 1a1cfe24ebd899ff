"""Motors with an audible fallback: when a motor driver fails, the buzzer carries on.

The runner must keep getting the message. ``WithFallback`` passes every intensity to the
motors; the first DeviceFault from them switches it to the buzzer (on the centre "side", so
any pattern plays on it), and the fault is still raised once so the player reports it and the
runner hears the haptics fault. Without a buzzer there is nothing left to play on: the fault
is still reported (log, journal, event log), and the motors are tried again all the same.

A failed motor driver is tried again every ``retry_s`` (a loose I2C wire, a brown-out: buses
come back). When it answers again, ``on_recover`` is called, the fault clears, and the motors
take over from the buzzer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rearguard.devices.base import Closing, DeviceFault, HapticOutput
from rearguard.messages import BodySide


class WithFallback(Closing):
    def __init__(self, primary: HapticOutput, fallback: HapticOutput | None = None, *,
                 retry_s: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.primary, self.fallback = primary, fallback
        self.sides = primary.sides
        self.retry_s, self.clock = retry_s, clock
        self.failed = False
        self.on_recover: Callable[[], None] | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()  # the player's thread, and close() from the main thread

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        with self._lock:
            if self.failed and not self._recovered(lambda: self.primary.set_intensity(
                    side, intensity)):
                self._fallback(intensity)
                return
            try:
                self.primary.set_intensity(side, intensity)
            except DeviceFault:
                self._fail()
                self._fallback(intensity)
                raise

    def poll(self) -> None:
        """Called by an idle player now and then: a harmless write (all off) that finds a
        driver failing while nothing plays, or tries a failed one again."""
        with self._lock:
            if self.failed:
                self._recovered(self.primary.stop_all)
                return
            try:
                self.primary.stop_all()
            except DeviceFault:
                self._fail()
                raise

    def stop_all(self) -> None:
        with self._lock:
            if self.fallback is not None:
                self.fallback.stop_all()
            if self.failed:
                return
            try:
                self.primary.stop_all()
            except DeviceFault:
                self._fail()

    def close(self) -> None:
        if self.fallback is not None:
            self.fallback.close()
        self.primary.close()

    def _fail(self) -> None:
        self.failed = True
        self._retry_at = self.clock() + self.retry_s

    def _recovered(self, attempt: Callable[[], None]) -> bool:
        """Try the failed driver (at most every ``retry_s``); True when it works again."""
        if self.clock() < self._retry_at:
            return False
        self._retry_at = self.clock() + self.retry_s
        try:
            attempt()
        except DeviceFault:
            return False
        self.failed = False
        if self.fallback is not None:
            self.fallback.stop_all()
        if self.on_recover is not None:
            self.on_recover()
        return True

    def _fallback(self, intensity: float) -> None:
        if self.fallback is not None:
            self.fallback.set_intensity(BodySide.CENTRE, intensity)
