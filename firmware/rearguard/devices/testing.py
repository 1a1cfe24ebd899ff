"""Stand-ins for the hardware, for tests, replay and `--simulate` (like gpiozero's MockFactory).

- :class:`TimedPWMPin`: a gpiozero mock PWM pin that remembers when (monotonic time) each
  change happened, to measure command-to-pin latency and check patterns.
- :func:`mock_factory`: a gpiozero ``MockFactory`` whose pins are TimedPWMPins.
- Fault injection: every stand-in can be broken and mended while it runs (a camera that stops,
  hangs or freezes, a dead or stuck rangefinder, I2C errors, a detector that raises, slows or
  hangs, a full disk); :mod:`rearguard.devices.inject` schedules them from the command line.

Memory is bounded everywhere: a stand-in keeps a fixed number of recent changes, never all of
them, so a simulated device can run for hours.
"""

from __future__ import annotations

import errno
import os
import time
from collections import deque
from typing import Any

import numpy as np
from gpiozero.pins.mock import MockFactory, MockPWMPin
from gpiozero.pins.pi import PiPin

SPEED_OF_SOUND_MPS = 343.0


HISTORY = 4096  # changes a stand-in pin remembers (minutes of motor patterns)
ECHO_HISTORY = 64  # an HC-SR04's pins change 30 times a second: keep only the last few


class TimedPWMPin(MockPWMPin):
    """A mock PWM pin that logs (monotonic time, value) for its recent output changes.

    ``broken`` makes every write fail as a driver on a dead bus would (OSError 121).
    """

    def __init__(self, factory, info):
        super().__init__(factory, info)
        self.broken = False
        self.remember(HISTORY)

    def remember(self, changes: int) -> None:
        """Keep the last ``changes`` changes (and gpiozero's own state list, which its MockPin
        would otherwise grow for ever)."""
        self.changes: deque[tuple[float, float]] = deque(getattr(self, "changes", ()),
                                                          maxlen=changes)
        self.states = deque(self.states, maxlen=changes)

    def _set_state(self, value):
        if self.broken:
            raise OSError(errno.EREMOTEIO, "Remote I/O error (injected)")
        super()._set_state(value)

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed:
            self.changes.append((time.monotonic(), float(value)))
        return changed


def mock_factory() -> MockFactory:
    return MockFactory(pin_class=TimedPWMPin)


# --- HC-SR04: a trigger pin that plays echo pulses --------------------------------------------

class EchoPlayingPin(TimedPWMPin):
    """An HC-SR04's TRIG pin on a MockFactory: when the trigger pulse ends, it plays the echo
    pulse on ``echo_pin`` for ``distance_m``, with edge timestamps (factory ticks) exactly as
    long as sound would take, so tests do not depend on sleep() precision.

    ``distance_m`` None plays the module's 38 ms "nothing in range" pulse; ``mode`` "dead"
    plays nothing (unplugged), "stuck" leaves the echo line high.
    """

    NO_ECHO_PULSE_S = 0.038
    BURST_S = 0.0005  # the module sends its 8 cycles of 40 kHz before it raises ECHO

    def __init__(self, factory, info, echo_pin=None, distance_m=1.0):
        super().__init__(factory, info)
        self.echo_pin = echo_pin
        self.distance_m = distance_m
        self.mode = "ok"
        self.pings = 0

    def _set_state(self, value):
        was = self._state
        super()._set_state(value)
        if was and not value:  # falling edge of TRIG: the module pings
            self.pings += 1
            self._play()

    def _play(self) -> None:
        if self.mode == "dead":
            return
        rise = self._factory.ticks() + self.BURST_S
        self._edge(True, rise)
        if self.mode == "stuck":
            return
        pulse = self.NO_ECHO_PULSE_S if self.distance_m is None else \
            2 * self.distance_m / SPEED_OF_SOUND_MPS
        self._edge(False, rise + pulse)

    def mend(self) -> None:
        """Back to normal: a stuck echo line falls, pings are answered again."""
        self.mode = "ok"
        if self.echo_pin.state:
            self._edge(False, self._factory.ticks())

    def _edge(self, high: bool, ticks: float) -> None:
        pin = self.echo_pin
        if pin._change_state(high) and pin._when_changed is not None:
            # PiPin's own dispatch, with our exact ticks (MockPin would pass "now").
            PiPin._call_when_changed(pin, ticks, int(high))


def hcsr04_rig(factory: MockFactory, trigger: int, echo: int,
               distance_m: float | None = 1.0) -> EchoPlayingPin:
    """Prepare ``factory``'s pins for an HC-SR04 on (trigger, echo); returns the trigger pin,
    whose ``distance_m`` and ``mode`` the test sets."""
    echo_pin = factory.pin(echo)
    trigger_pin = factory.pin(trigger, pin_class=EchoPlayingPin, echo_pin=echo_pin,
                              distance_m=distance_m)
    for pin in (echo_pin, trigger_pin):
        pin.remember(ECHO_HISTORY)
    return trigger_pin


# --- picamera2 ----------------------------------------------------------------------------------

class FakeRequest:
    def __init__(self, camera: FakePicamera2, index: int):
        self.camera, self.index = camera, index
        self.released = False

    def make_array(self, stream: str) -> np.ndarray:
        if stream == "main":
            return self.camera.main_frame(self.index)
        if stream != "lores":
            raise AssertionError(f"no stream {stream!r}: picamera2 has main and lores")
        return self.camera.lores_frame(self.index)

    def get_metadata(self) -> dict[str, Any]:
        return {"SensorTimestamp": self.camera.sensor_ns(self.index), "FrameDuration":
                self.camera.period_us}

    def release(self) -> None:
        self.released = True


class FakePicamera2:
    """Stands in for ``picamera2.Picamera2``: checks the configuration calls and hands out
    requests whose lores stream is a moving YUV420 test picture, stamped on the monotonic clock
    and paced to real time (a frame is handed out when its exposure is over, as a sensor
    would; a reader that fell behind gets the newest frame, as from picamera2). ``stop_after``
    frames, it stops delivering (``wait`` times out), as a camera whose cable came loose
    would."""

    def __init__(self, stop_after: int | None = None, pace: bool = True):
        self.stop_after = stop_after
        self.pace = pace
        self.configured: dict[str, Any] | None = None
        self.started = self.closed = False
        self.delivered = 0
        self.period_us = 50_000
        self._t0_ns = time.monotonic_ns()
        self.requests: deque[FakeRequest] = deque(maxlen=64)  # recent ones, for tests

    def create_video_configuration(self, main=None, lores=None, controls=None, buffer_count=6,
                                   transform=None, **extra) -> dict[str, Any]:
        if extra:
            raise AssertionError(f"unexpected configuration keys {sorted(extra)}")
        if lores is not None and lores.get("format") != "YUV420":
            raise AssertionError("picamera2's lores stream must be YUV420")
        return {"main": main, "lores": lores, "controls": controls or {},
                "buffer_count": buffer_count, "transform": transform}

    def configure(self, configuration: dict[str, Any]) -> None:
        if self.started:
            raise RuntimeError("Camera must be stopped before configuring")
        self.configured = configuration
        limits = configuration["controls"].get("FrameDurationLimits")
        if limits:
            self.period_us = limits[0]

    def start(self) -> None:
        if self.configured is None:
            raise RuntimeError("Camera has not been configured")
        self.started = True
        self._t0_ns = time.monotonic_ns()  # the first exposure starts now

    def capture_request(self, wait=None, signal_function=None):
        if not self.started:
            raise RuntimeError("Camera not started")
        return self.delivered

    def wait(self, job, timeout=None) -> FakeRequest:
        if self.pace:
            self._recycle_unasked()
        if self.stop_after is not None and self.delivered >= self.stop_after:
            time.sleep(min(timeout or 0.0, 0.01))
            raise TimeoutError("no frame")
        if self.pace:  # not before the frame's exposure has ended
            due = (self.sensor_ns(self.delivered) + self.period_us * 1000) / 1e9
            time.sleep(max(0.0, due - time.monotonic()))
        request = FakeRequest(self, self.delivered)
        self.requests.append(request)
        self.delivered += 1
        return request

    def _recycle_unasked(self) -> None:
        """picamera2 gives a finished frame that no request waits for back to the camera and
        keeps only the newest: a reader that stalled (a slow loop, a wedged driver) gets the
        newest frame next, never a backlog of old ones stamped in the past."""
        finished = (time.monotonic_ns() - self._t0_ns) // (self.period_us * 1000)
        self.delivered = max(self.delivered, finished - 1)

    def lores_frame(self, index: int) -> np.ndarray:
        width, height = self.configured["lores"]["size"]
        yuv = np.full((height * 3 // 2, width), 128, np.uint8)
        x = (index * 7) % max(width - 20, 1)
        yuv[height // 4: height // 2, x: x + 20] = 235  # a bright bar that moves
        return yuv

    def main_frame(self, index: int) -> np.ndarray:
        """The main stream as picamera2 gives RGB888: height x width x 3, bytes B, G, R."""
        width, height = self.configured["main"]["size"]
        image = np.full((height, width, 3), 128, np.uint8)
        x = (index * 14) % max(width - 40, 1)
        image[height // 4: height // 2, x: x + 40] = 235  # the same moving bar, full size
        return image

    def sensor_ns(self, index: int) -> int:
        return self._t0_ns + index * self.period_us * 1000

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True




# --- faults in the other stand-ins -------------------------------------------------------------

class FaultyCamera:
    """Wraps any FrameSource so a test can break it: ``mode`` "stop" (no frames: reads time
    out with a DeviceFault, as a loose cable), "hang" (a read that does not return until the
    mode changes, as a wedged driver), "frozen" (the same picture again and again, stamped as
    new frames, as a sensor stuck on one buffer), "ok"."""

    def __init__(self, camera: Any, timeout_s: float = 1.0):
        self.camera, self.timeout_s = camera, timeout_s
        self.mode = "ok"
        self._still: Any = None

    def read(self) -> Any:
        from rearguard.devices.base import DeviceFault
        from rearguard.messages import Frame

        if self.mode == "stop":
            time.sleep(self.timeout_s)
            raise DeviceFault("camera", f"no frame for {self.timeout_s:g} s")
        while self.mode == "hang":
            time.sleep(0.02)
        frame = self.camera.read()
        if frame is None or self.mode != "frozen":
            self._still = None if frame is None else frame.image
            return frame
        return Frame(frame.t, frame.index, self._still if self._still is not None
                     else frame.image)

    def close(self) -> None:
        self.camera.close()


class FaultyDetector:
    """Wraps a Detector: ``mode`` "raise" (every frame raises), "slow" (``slow_s`` more per
    frame), "hang" (does not return until the mode changes), "ok"."""

    def __init__(self, detector: Any, slow_s: float = 1.2):
        self.detector, self.slow_s = detector, slow_s
        self.mode = "ok"

    def __getattr__(self, name: str) -> Any:  # spec, threads...: the real detector's
        return getattr(self.detector, name)

    def detect(self, frame: Any, fit: Any = None) -> Any:
        self._misbehave()
        return self.detector.detect(frame, fit)

    def start(self, frame: Any, fit: Any = None) -> Any:  # the live loop's detector thread
        self._misbehave()
        return self.detector.start(frame, fit)

    def _misbehave(self) -> None:
        if self.mode == "raise":
            raise RuntimeError("injected detector failure")
        if self.mode == "slow":
            time.sleep(self.slow_s)
        while self.mode == "hang":
            time.sleep(0.02)


class SimulatedDisk:
    """A disk that can fill up: ``write`` is ``os.write`` until ``full``, then ENOSPC."""

    def __init__(self) -> None:
        self.full = False

    def write(self, fd: int, data: Any) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device (injected)")
        return os.write(fd, data)


# --- I2C: a register-level fake bus -------------------------------------------------------------

class DatasheetViolation(AssertionError):
    """The driver did something the part's datasheet does not allow."""


class FakeChip:
    """A device on the fake bus. Subclasses override what they answer."""

    def write(self, data: list[int]) -> None:
        raise DatasheetViolation(f"{type(self).__name__} does not take raw writes")

    def read(self, length: int) -> list[int]:
        raise DatasheetViolation(f"{type(self).__name__} does not take raw reads")

    def write_register(self, register: int, value: int) -> None:
        raise DatasheetViolation(f"{type(self).__name__} has no registers")

    def read_register(self, register: int) -> int:
        raise DatasheetViolation(f"{type(self).__name__} has no registers")


class FakeSMBus:
    """Stands in for ``smbus2.SMBus``: routes transfers to fake chips by address, and injects
    I/O errors (``fail_next``), as a loose wire or a brown-out would."""

    def __init__(self, chips: dict[int, FakeChip] | None = None):
        self.chips = dict(chips or {})
        self._failures = 0
        self._errno = 121
        self.failing: set[int] = set()  # addresses that NACK until removed (a loose wire)
        self.closed = False

    def fail_next(self, count: int = 1, errno: int = 121) -> None:
        """The next ``count`` transfers raise OSError (121: Remote I/O error, a NACK)."""
        self._failures, self._errno = count, errno

    def _chip(self, address: int) -> FakeChip:
        if self._failures:
            self._failures -= 1
            raise OSError(self._errno, "Remote I/O error")
        if address in self.failing:
            raise OSError(121, f"Remote I/O error (0x{address:02x}, injected)")
        if address not in self.chips:
            raise OSError(121, f"Remote I/O error (nothing at 0x{address:02x})")
        return self.chips[address]

    def i2c_rdwr(self, *messages) -> None:
        for m in messages:
            chip = self._chip(m.addr)
            if m.flags & 1:  # I2C_M_RD
                for i, byte in enumerate(chip.read(m.len)):
                    m.buf[i] = bytes([byte])
            else:
                chip.write(list(m))

    def read_byte_data(self, address: int, register: int) -> int:
        return self._chip(address).read_register(register)

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        if not 0 <= value <= 255:
            raise ValueError("a byte is 0-255")
        self._chip(address).write_register(register, value)

    def close(self) -> None:
        self.closed = True


class FakeMB1242(FakeChip):
    """MaxBotix I2CXL: 0x51 starts a reading, a 2-byte read returns it (cm, high byte first);
    0xAA 0xA5 <address << 1> changes the address. ``distance_m`` None = nothing in range."""

    MAX_CM = 765

    def __init__(self, distance_m: float | None = 1.5):
        self.distance_m = distance_m
        self.ranged = False
        self.new_address: int | None = None

    def write(self, data: list[int]) -> None:
        if data == [0x51]:
            self.ranged = True
        elif len(data) == 3 and data[:2] == [0xAA, 0xA5]:
            if data[2] & 1 or data[2] in (0x00, 0x50, 0xA4, 0xAA):
                raise DatasheetViolation(f"MB1242: address byte 0x{data[2]:02x} not allowed")
            self.new_address = data[2] >> 1
        else:
            raise DatasheetViolation(f"MB1242: unknown command {data}")

    def read(self, length: int) -> list[int]:
        if length != 2 or not self.ranged:
            raise DatasheetViolation("MB1242: read 2 bytes, after a range command")
        self.ranged = False
        cm = self.MAX_CM if self.distance_m is None else round(self.distance_m * 100)
        return [cm >> 8, cm & 0xFF]


class FakeDRV2605L(FakeChip):
    """The DRV2605L's registers, refusing writes the datasheet does not allow: read-only or
    missing registers, library effects beyond 123, a library that does not fit the actuator,
    GO in standby, auto-calibration without a rated voltage and clamp."""

    READ_ONLY = frozenset({0x00, 0x21, 0x22})
    LAST = 0x22

    def __init__(self, device_id: int = 7, calibration_fails: bool = False):
        self.registers = dict.fromkeys(range(self.LAST + 1), 0)
        self.registers[0x00] = device_id << 5
        self.registers[0x01] = 0x40  # powers up in standby
        self.registers[0x03] = 0x01
        self.registers[0x1A] = 0x36
        self.registers[0x1D] = 0xA0
        self.calibration_fails = calibration_fails
        self.played: list[tuple[str, int]] = []  # ("rtp", value) / ("effect", id)

    def read_register(self, register: int) -> int:
        if register > self.LAST:
            raise DatasheetViolation(f"DRV2605L: no register 0x{register:02x}")
        return self.registers[register]

    def write_register(self, register: int, value: int) -> None:
        if register > self.LAST or register in self.READ_ONLY:
            raise DatasheetViolation(f"DRV2605L: register 0x{register:02x} cannot be written")
        if 0x04 <= register <= 0x0B and value & 0x7F > 123:
            raise DatasheetViolation(f"DRV2605L: no library effect {value & 0x7F}")
        self.registers[register] = value
        if register == 0x02 and self.mode == 5:
            self._played(("rtp", value))
        if register == 0x0C and value & 1:
            self._go()

    def _played(self, what: tuple[str, int]) -> None:
        """Remember what played, the recent part only (a list, so tests can slice it)."""
        self.played.append(what)
        if len(self.played) > HISTORY:
            del self.played[: HISTORY // 2]

    @property
    def mode(self) -> int:
        return self.registers[0x01] & 0x07

    def _go(self) -> None:
        if self.registers[0x01] & 0x40:
            raise DatasheetViolation("DRV2605L: GO while in standby does nothing")
        lra = bool(self.registers[0x1A] & 0x80)
        if self.mode == 7:
            if not self.registers[0x16] or not self.registers[0x17]:
                raise DatasheetViolation("DRV2605L: auto-calibration needs RATED_VOLTAGE "
                                         "and OD_CLAMP set first")
            status = self.registers[0x00] & 0xF0
            self.registers[0x00] = status | (0x08 if self.calibration_fails else 0)
            self.registers[0x18], self.registers[0x19] = 0x0D, 0x8F
        elif self.mode == 0:
            library = self.registers[0x03] & 0x07
            if lra != (library == 6):
                raise DatasheetViolation(f"DRV2605L: library {library} does not fit an "
                                         f"{'LRA' if lra else 'ERM'}")
            self._played(("effect", self.registers[0x04]))
        self.registers[0x0C] = 0  # done at once in the fake


# --- hardware-in-the-loop: motor pins looped back to input pins ---------------------------------

class LoopbackPWMPin(TimedPWMPin):
    """A motor pin with a jumper to an input pin (hw/loopback.md), as a mock: while its PWM
    value is above zero the input reads high."""

    def __init__(self, factory, info, input_pin=None):
        super().__init__(factory, info)
        self.input_pin = input_pin

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed and self.input_pin is not None:
            if value:
                self.input_pin.drive_high()
            else:
                self.input_pin.drive_low()
        return changed


def loopback_rig(factory: MockFactory, jumpers: dict[int, int]) -> None:
    """Prepare ``factory``'s pins: each motor pin (key) jumpered to an input pin (value)."""
    for motor, sense in jumpers.items():
        factory.pin(motor, pin_class=LoopbackPWMPin, input_pin=factory.pin(sense))
