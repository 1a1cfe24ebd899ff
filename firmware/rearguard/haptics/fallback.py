"""Motors with an audible fallback: when a motor driver fails, the buzzer carries on.

The runner must keep getting the message. ``WithFallback`` passes every intensity to the
motors; the first DeviceFault from them switches it to the buzzer for good (on the centre
"side", so any pattern plays on it), and the fault is still raised once so the player reports
it and the runner feels/hears the haptics fault.
"""

from __future__ import annotations

from rearguard.devices.base import Closing, DeviceFault, HapticOutput
from rearguard.messages import BodySide


class WithFallback(Closing):
    def __init__(self, primary: HapticOutput, fallback: HapticOutput):
        self.primary, self.fallback = primary, fallback
        self.sides = primary.sides
        self.failed = False

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        if self.failed:
            self.fallback.set_intensity(BodySide.CENTRE, intensity)
            return
        try:
            self.primary.set_intensity(side, intensity)
        except DeviceFault:
            self.failed = True
            self.fallback.set_intensity(BodySide.CENTRE, intensity)
            raise

    def stop_all(self) -> None:
        self.fallback.stop_all()
        if not self.failed:
            try:
                self.primary.stop_all()
            except DeviceFault:
                self.failed = True

    def close(self) -> None:
        self.fallback.close()
        self.primary.close()
