"""The narrow interfaces every hardware edge implements.

Only modules in ``rearguard.devices`` import hardware libraries (picamera2, gpiozero, smbus2).
Each edge has a real driver and a stand-in (see ``rearguard.devices.testing``); the core and
the loop drivers only see these interfaces.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from rearguard.messages import BodySide, Frame, RangeReading


class DeviceFault(Exception):
    """A device stopped working at run time (I2C error, no frames, stuck echo line...).

    The loop turns it into a fault pattern the runner can feel and keeps the rest running.
    """

    def __init__(self, device: str, cause: str):
        super().__init__(f"{device}: {cause}")
        self.device = device
        self.cause = cause


class DeviceMissing(Exception):
    """A configured device could not be opened at start (not wired, wrong bus, no driver)."""


class Closing:
    """``with`` support for a device: it closes when the block ends, however the block ends,
    so a pin, a bus or a camera is never left claimed by a failed start."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


@runtime_checkable
class FrameSource(Protocol):
    """A camera: hands out frames stamped with their capture time (monotonic seconds)."""

    def read(self) -> Frame | None:
        """The next frame, or None at the end of a file. Raises DeviceFault on a camera fault."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Rangefinder(Protocol):
    """A distance sensor looking the way the runner travels."""

    name: str

    def measure(self) -> RangeReading:
        """Fire once and wait for the answer. No echo is ``distance_m=None``."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class HapticOutput(Protocol):
    """One or more vibration motors on the runner's back, addressed by body side."""

    sides: tuple[BodySide, ...]

    def set_intensity(self, side: BodySide, intensity: float) -> None:
        """Drive the motor on ``side`` at ``intensity`` in [0, 1]; 0 is off."""
        ...

    def stop_all(self) -> None: ...

    def close(self) -> None: ...
