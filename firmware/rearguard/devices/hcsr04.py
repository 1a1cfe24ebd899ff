"""HC-SR04 ultrasonic rangefinder on two GPIO pins, through gpiozero.

Wiring (the HC-SR04 is a 5 V part; its ECHO output must not reach a Pi pin at 5 V):

    HC-SR04 VCC  --> 5 V (pin 2)              HC-SR04 GND --> GND (pin 6)
    HC-SR04 TRIG --> GPIO 23 (pin 16)         a 3.3 V trigger is enough
    HC-SR04 ECHO --[1 kohm]--+--> GPIO 24 (pin 18)
                             |
                          [2 kohm]            divider: 5 V x 2/3 = 3.3 V at the pin
                             |
                            GND

Mount it on the back plate pointing the way the runner travels, beside the camera. Its beam is
about 15 degrees wide and it sees 2 cm to about 4 m. Pings need ~60 ms apart for the last
echo to die down: ``rate_hz`` 15 or less. While something is near, the driver asks for faster
pings (:meth:`HCSR04.next_interval_s`, the pure rule in ``core/range_filter.py``): a
follow-up ping right after a new near echo, so it is confirmed within milliseconds, and about
33 Hz while a confirmed echo stays within 2 m.

How a reading is taken: a 10 us pulse on TRIG; the module then raises ECHO for as long as the
sound took to come back (58 us per cm). With nothing in range it holds ECHO high for ~38 ms
(read here as "no echo", never as a distance). Edges are timed by the pin factory (lgpio on a
Pi timestamps them in the kernel), not by Python's clock, so a busy CPU does not bend
distances.

Several HC-SR04s hear each other's pings. As gpiozero's DistanceSensor does with its
ECHO_LOCK, one lock serialises every module in the process: one pings and waits for its answer
while the others wait, and a module pings only once the last ping of another has had
``ECHO_QUIET_S`` to die down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rearguard.core.range_filter import ping_interval_s
from rearguard.devices.base import Closing, DeviceFault, DeviceMissing
from rearguard.messages import RangeReading

SPEED_OF_SOUND_MPS = 343.0  # dry air at 20 C
TRIGGER_PULSE_S = 10e-6
DEAD_AFTER = 5  # pings without any answer: the module is unplugged or unpowered
ECHO_QUIET_S = 0.06  # the datasheet's measurement cycle: a ping's last echoes have died down


class _EchoLock:
    """One ping in the air at a time, and another module's ping given time to fade."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_pinger: object | None = None
        self.last_ping = float("-inf")

    def __enter__(self) -> None:
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def quiet_for(self, pinger: object) -> None:
        """Call holding the lock, right before ``pinger`` pings."""
        if self.last_pinger is not None and self.last_pinger is not pinger:
            time.sleep(max(0.0, self.last_ping + ECHO_QUIET_S - time.monotonic()))
        self.last_pinger, self.last_ping = pinger, time.monotonic()


ECHO_LOCK = _EchoLock()


class HCSR04(Closing):
    """One HC-SR04 (implements ``Rangefinder``)."""

    def __init__(self, name: str, trigger_pin: int, echo_pin: int, *,
                 max_distance_m: float = 4.0, pin_factory: object | None = None,
                 clock: Callable[[], float] = time.monotonic):
        from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

        self.name = name
        self.max_distance_m = max_distance_m
        self.clock = clock
        # Longest pulse that is still a distance; a module's "nothing there" pulse is longer.
        self.max_echo_s = 2 * max_distance_m / SPEED_OF_SOUND_MPS
        self.timeout_s = self.max_echo_s + 0.05
        try:
            self._trigger = DigitalOutputDevice(trigger_pin, pin_factory=pin_factory)
            self._echo = DigitalInputDevice(echo_pin, pull_up=None, active_state=True,
                                            pin_factory=pin_factory)
        except (GPIOZeroError, OSError, RuntimeError) as e:
            raise DeviceMissing(f"HC-SR04 {name!r}: cannot open GPIO {trigger_pin}/{echo_pin}: "
                                f"{e}") from e
        self._factory = self._echo.pin_factory
        self._rise: object | None = None
        self._fall: object | None = None
        self._answered = threading.Event()
        self._silent = 0
        self._last: tuple[float | None, float | None] = (None, None)  # the last two distances
        self._echo.pin.edges = "both"
        self._echo.pin.when_changed = self._edge

    def _edge(self, ticks: object, state: int) -> None:
        if state:
            self._rise = ticks
        elif self._rise is not None:
            self._fall = ticks
            self._answered.set()

    def measure(self) -> RangeReading:
        """Ping once; the distance, or ``distance_m=None`` when nothing answered in range."""
        reading = self._measure()
        self._last = (self._last[1], reading.distance_m)
        return reading

    def next_interval_s(self, period_s: float) -> float:
        """Seconds from the last ping to the next: ``period_s``, shorter while something is
        near (see the module docstring)."""
        return ping_interval_s(self._last[0], self._last[1], period_s)

    def _measure(self) -> RangeReading:
        if self._echo.pin.state:
            raise DeviceFault(f"HC-SR04 {self.name}", "echo line stuck high (wiring or divider)")
        with ECHO_LOCK:
            ECHO_LOCK.quiet_for(self)
            self._rise = self._fall = None
            self._answered.clear()
            t = self.clock()
            self._trigger.on()
            time.sleep(TRIGGER_PULSE_S)
            self._trigger.off()
            answered = self._answered.wait(self.timeout_s)
        if self._rise is None:
            self._silent += 1
            if self._silent >= DEAD_AFTER:
                raise DeviceFault(f"HC-SR04 {self.name}", f"no answer to {self._silent} pings "
                                                          f"(check 5 V power and TRIG)")
            return RangeReading(t, self.name, None)
        self._silent = 0
        if not answered:
            return RangeReading(t, self.name, None)  # still high: the module's no-echo pulse
        echo_s = self._factory.ticks_diff(self._fall, self._rise)
        if echo_s > self.max_echo_s:
            return RangeReading(t, self.name, None)
        return RangeReading(t, self.name, echo_s * SPEED_OF_SOUND_MPS / 2)

    def close(self) -> None:
        self._echo.pin.when_changed = None
        self._trigger.close()
        self._echo.close()
