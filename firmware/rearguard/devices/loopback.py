"""Hardware-in-the-loop bench checks: spare pins jumpered to the parts' pins (hw/loopback.md).

- Motors: each motor pin has a jumper to a spare input pin. The alert commands of a replay are
  played in real time through the real PatternPlayer on the real PwmMotors, and the input pins'
  edges (timed by the pin factory) are compared with the commands: every command whose pattern
  starts with a pulse must switch its motor's pin within ``tolerance_s``.
- HC-SR04: with the module unplugged, a spare input sees TRIG and a spare output answers each
  ping on ECHO with a pulse as long as sound takes to a set distance and back; the real HCSR04
  driver must read that distance.
- Button: a spare output, jumpered to the button pin, presses it short and long; the real
  PauseButton must report "short" then "long".
- I2C: the configured addresses must answer a one-byte read.

On a Pi these run on the real GPIO and I2C bus (``pytest -m hil --hardware``); anywhere else on
gpiozero's MockFactory with mock jumpers and the fake I2C bus, so the checking itself is tested.
This module imports gpiozero, so it lives with the other hardware edges in ``devices``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from rearguard.config.pins import default_wiring
from rearguard.config.schema import MotorConfig
from rearguard.devices.hcsr04 import SPEED_OF_SOUND_MPS
from rearguard.devices.motors import PwmMotors
from rearguard.haptics.patterns import PATTERNS
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, BodySide

# Default jumpers: motor pin -> input pin (hw/pins.toml [loopback], drawn in hw/loopback.md).
JUMPERS = default_wiring().loopback.motors


@dataclass
class LoopbackResult:
    checked: int = 0
    late_ms: list[float] = field(default_factory=list)  # command -> first edge, per command
    missed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.missed


def check_motor_pins(commands: Sequence[AlertCommand], motors: Sequence[MotorConfig],
                     jumpers: dict[int, int] = JUMPERS, *, pin_factory: object | None = None,
                     speed: float = 2.0, tolerance_s: float = 0.05) -> LoopbackResult:
    """Play ``commands`` (``speed`` times faster than recorded); check each switched its pin."""
    from gpiozero import DigitalInputDevice

    output = PwmMotors(motors, 200, pin_factory=pin_factory)
    player = PatternPlayer(output)
    sensed = {BodySide(m.side): DigitalInputDevice(jumpers[m.pin], pull_up=False,
                                                   pin_factory=pin_factory) for m in motors}
    edges: dict[BodySide, list[float]] = {side: [] for side in sensed}
    for side, device in sensed.items():
        device.when_activated = lambda s=side: edges[s].append(time.monotonic())
    result = LoopbackResult()
    try:
        start, first = time.monotonic(), commands[0].t if commands else 0.0
        for command in commands:
            time.sleep(max(0.0, start + (command.t - first) / speed - time.monotonic()))
            _play_and_check(player, command, output.sides, edges, sensed, result, tolerance_s)
    finally:
        player.close()
        output.close()
        for device in sensed.values():
            device.close()
    return result


def _play_and_check(player, command, sides, edges, sensed, result, tolerance_s) -> None:
    pattern = PATTERNS[command.pattern]
    starts_on = bool(pattern.steps) and pattern.steps[0][1] > 0
    targets = (command.side,) if pattern.directional and command.side in sides else sides
    marks = {side: len(edges[side]) for side in targets}
    sent = time.monotonic()
    player.play(command)
    if not starts_on:
        return
    result.checked += 1
    deadline = sent + tolerance_s
    while time.monotonic() < deadline and not all(len(edges[s]) > marks[s] for s in targets):
        time.sleep(0.0005)
    for side in targets:
        new = edges[side][marks[side]:]
        if new:
            result.late_ms.append((new[0] - sent) * 1000)
        elif not sensed[side].is_active:  # no new edge is fine if it was already on
            result.missed.append(f"{command.pattern} at {command.t:.2f} s: {side.value} motor "
                                 f"pin did not switch within {tolerance_s * 1000:.0f} ms")


# --- HC-SR04: a spare pin answers the trigger ----------------------------------------------------

class EchoAnswerer:
    """Plays an HC-SR04 on the bench: each falling edge of TRIG (seen on ``sense``) is answered
    on ``drive`` (jumpered to ECHO) with a pulse as long as sound takes to ``distance_m`` and
    back. The pulse is timed with a busy wait (sleep is too coarse for centimetres). A busy
    machine may stretch a pulse, so each answer keeps the shortest and the longest the pulse
    on the wire can have been (the pin writes are bracketed by clock reads), in metres."""

    def __init__(self, sense: int, drive: int, distance_m: float, *,
                 pin_factory: object | None = None):
        from gpiozero import DigitalInputDevice, DigitalOutputDevice

        self.pulse_s = 2 * distance_m / SPEED_OF_SOUND_MPS
        self.sent_m: list[tuple[float, float]] = []
        self._drive = DigitalOutputDevice(drive, initial_value=False, pin_factory=pin_factory)
        self._sense = DigitalInputDevice(sense, pull_up=False, pin_factory=pin_factory)
        self._sense.when_deactivated = self._answer

    def _answer(self) -> None:
        before_on = time.perf_counter()
        self._drive.on()
        after_on = time.perf_counter()
        while time.perf_counter() < after_on + self.pulse_s:
            pass
        before_off = time.perf_counter()
        self._drive.off()
        after_off = time.perf_counter()
        to_m = SPEED_OF_SOUND_MPS / 2
        self.sent_m.append(((before_off - after_on) * to_m, (after_off - before_on) * to_m))

    def close(self) -> None:
        self._sense.close()
        self._drive.close()


@dataclass
class EchoResult:
    distance_m: float                    # what the bench was asked to answer
    readings: list[float | None]         # what the driver read, per ping
    sent_m: list[tuple[float, float]]    # shortest and longest each answer can have encoded
    tolerance_m: float

    @property
    def passed(self) -> bool:
        """Every ping answered, and read as the pulse that was on the wire."""
        return bool(self.readings) and len(self.sent_m) == len(self.readings) and all(
            r is not None and low - self.tolerance_m <= r <= high + self.tolerance_m
            for r, (low, high) in zip(self.readings, self.sent_m, strict=True))


def check_echo_loopback(trigger: int, echo: int, sense: int, drive: int,
                        distance_m: float = 1.0, *, pings: int = 5, tolerance_m: float = 0.02,
                        pin_factory: object | None = None) -> EchoResult:
    """Ping ``pings`` times through the real HCSR04 driver while ``EchoAnswerer`` answers."""
    from rearguard.devices.hcsr04 import HCSR04

    answerer = EchoAnswerer(sense, drive, distance_m, pin_factory=pin_factory)
    sensor = HCSR04("loopback", trigger, echo, pin_factory=pin_factory)
    readings: list[float | None] = []
    try:
        for _ in range(pings):
            readings.append(sensor.measure().distance_m)
            time.sleep(0.06)  # the driver's own ping spacing
    finally:
        sensor.close()
        answerer.close()
    return EchoResult(distance_m, readings, answerer.sent_m, tolerance_m)


# --- button: a spare pin presses it -----------------------------------------------------

def check_button_loopback(button: int, drive: int, long_press_s: float, *,
                          pin_factory: object | None = None) -> list[str]:
    """Press the button short, then long, through ``drive``; the presses PauseButton reported."""
    from gpiozero import DigitalOutputDevice

    from rearguard.devices.button import PauseButton

    presses: list[str] = []
    # High at rest: the button pin's pull-up reads "released"; low is the button to ground.
    presser = DigitalOutputDevice(drive, initial_value=True, pin_factory=pin_factory)
    pause = PauseButton(button, long_press_s, pin_factory=pin_factory)
    pause.on_press(presses.append)
    try:
        for hold_s in (0.2, long_press_s + 0.3):
            presser.off()
            time.sleep(hold_s)
            presser.on()
            time.sleep(0.2)  # past the debounce
    finally:
        pause.close()
        presser.close()
    return presses


# --- I2C: the configured addresses answer ---------------------------------------------------------

def _probe_mb1242(bus: object, address: int) -> None:
    from smbus2 import i2c_msg

    bus.i2c_rdwr(i2c_msg.write(address, [0x51]))  # "take a reading": harmless, always allowed


def _probe_drv2605(bus: object, address: int) -> None:
    bus.read_byte_data(address, 0x00)  # the status register (device id)


# What each I2C part accepts as a probe that changes nothing it is doing.
I2C_PROBES = {"mb1242": _probe_mb1242, "drv2605": _probe_drv2605}


def probe_i2c(bus: object, parts: dict[int, str]) -> dict[int, str | None]:
    """Probe each address (-> part kind) on an open smbus2 bus: address -> None if it answered,
    else why not."""
    found: dict[int, str | None] = {}
    for address, kind in parts.items():
        try:
            I2C_PROBES[kind](bus, address)
            found[address] = None
        except OSError as e:
            found[address] = f"{kind} at 0x{address:02x} did not answer ({e})"
    return found
