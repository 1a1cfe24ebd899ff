"""Fault injection for ``rearguard run --simulate --inject KIND@START[+DURATION]``.

Each kind breaks one stand-in at START seconds into the run and mends it DURATION seconds
later (never, without a duration), the way the real part fails:

    camera-stop     no frames: every read times out (a loose ribbon cable)
    camera-hang     a read that does not return (a wedged camera driver)
    camera-frozen   the same picture again and again (a sensor stuck on one buffer)
    ranger-dead     no answer to any ping (an HC-SR04 without power)
    echo-stuck      the HC-SR04's echo line stays high (a bad divider, a broken module)
    ranger-i2c      I2C errors from the MB1242 rangefinders (a loose wire)
    motor-i2c       the motor driver's bus fails (DRV2605L on I2C; PWM motor pins likewise)
    detector-raise  every inference raises
    detector-slow   every inference takes 1.2 s more
    detector-hang   an inference that does not return
    disk-full       the recording disk is full (ENOSPC on every write)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rearguard.config.schema import Config

KINDS = ("camera-stop", "camera-hang", "camera-frozen", "ranger-dead", "echo-stuck",
         "ranger-i2c", "motor-i2c", "detector-raise", "detector-slow", "detector-hang",
         "disk-full")
_SPEC = re.compile(r"^(?P<kind>[a-z0-9-]+)@(?P<start>[0-9.]+)(?:\+(?P<duration>[0-9.]+))?$")


@dataclass(frozen=True)
class Injection:
    kind: str
    start_s: float
    duration_s: float | None = None  # None: broken until the end

    @property
    def end_s(self) -> float | None:
        return None if self.duration_s is None else self.start_s + self.duration_s


def parse_injection(text: str) -> Injection:
    """``KIND@START[+DURATION]`` (seconds); ValueError says what was expected."""
    m = _SPEC.match(text.strip())
    if m is None:
        raise ValueError(f"--inject {text!r}: expected KIND@START[+DURATION], e.g. "
                         f"camera-stop@2+3")
    if m["kind"] not in KINDS:
        raise ValueError(f"--inject {text!r}: unknown kind {m['kind']!r}, expected one of "
                         f"{', '.join(KINDS)}")
    try:
        start = float(m["start"])
        duration = None if m["duration"] is None else float(m["duration"])
    except ValueError:
        raise ValueError(f"--inject {text!r}: START and DURATION are seconds, e.g. "
                         f"camera-stop@2+3") from None
    return Injection(m["kind"], start, duration)


@dataclass
class Targets:
    """The stand-ins an injection can break (what ``run --simulate`` built)."""

    config: Config
    sim: Any  # factory.Simulation
    camera: Any  # testing.FaultyCamera
    detector: Any  # testing.FaultyDetector
    disk: Any | None = None  # testing.SimulatedDisk, when recording


Switch = Callable[[bool], None]


def switch_for(kind: str, targets: Targets) -> Switch:
    """How to break (True) and mend (False) ``kind``; ValueError when this device lacks it."""
    t, config = targets, targets.config
    if kind.startswith("camera-"):
        mode = kind.removeprefix("camera-")
        return lambda on: setattr(t.camera, "mode", mode if on else "ok")
    if kind.startswith("detector-"):
        mode = kind.removeprefix("detector-")
        return lambda on: setattr(t.detector, "mode", mode if on else "ok")
    if kind in ("ranger-dead", "echo-stuck"):
        pins = list(t.sim.echo_pins.values())
        if not pins:
            raise ValueError(f"--inject {kind}: needs an hcsr04 rangefinder in the config")
        mode = "dead" if kind == "ranger-dead" else "stuck"

        def echo(on: bool) -> None:
            for pin in pins:
                if on:
                    pin.mode = mode
                else:
                    pin.mend()
        return echo
    if kind == "ranger-i2c":
        addresses = {r.address for r in config.rangefinders if r.kind == "mb1242"}
        if not addresses:
            raise ValueError("--inject ranger-i2c: needs an mb1242 rangefinder in the config")
        return _bus_switch(t.sim.bus, addresses)
    if kind == "motor-i2c":
        return _motor_switch(config, t.sim)
    if kind == "disk-full":
        if t.disk is None:
            raise ValueError("--inject disk-full: needs recording (--record)")
        return lambda on: setattr(t.disk, "full", on)
    raise ValueError(f"--inject {kind}: unknown kind")


def _bus_switch(bus: Any, addresses: set[int]) -> Switch:
    def switch(on: bool) -> None:
        if on:
            bus.failing |= addresses
        else:
            bus.failing -= addresses
    return switch


def _motor_switch(config: Config, sim: Any) -> Switch:
    h = config.haptics
    if h.driver == "drv2605":
        return _bus_switch(sim.bus, {h.address})
    if h.driver == "pwm":
        pins = [sim.pins.pin(m.pin) for m in h.motors]

        def motors(on: bool) -> None:
            for pin in pins:
                pin.broken = on
        return motors
    raise ValueError("--inject motor-i2c: needs motors (haptics.driver pwm or drv2605)")


class Injector:
    """Breaks and mends the stand-ins on schedule, on its own thread, from the run's start."""

    def __init__(self, injections: list[Injection], targets: Targets,
                 note: Callable[..., None] | None = None):
        self.note = note  # logs each step as an "inject" event
        self.timeline: list[tuple[float, str, Switch, bool]] = []
        for inj in injections:
            switch = switch_for(inj.kind, targets)  # ValueError before anything starts
            self.timeline.append((inj.start_s, inj.kind, switch, True))
            if inj.end_s is not None:
                self.timeline.append((inj.end_s, inj.kind, switch, False))
        self.timeline.sort(key=lambda step: step[0])
        self.log: list[tuple[float, str, bool]] = []  # (monotonic time, kind, broken)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(time.monotonic(), stop),
                                  name="inject", daemon=True)
        thread.start()
        return thread

    def mend_all(self) -> None:
        """At the end of a run: nothing stays broken (a hung stand-in lets its thread go)."""
        for _, _, switch, _ in self.timeline:
            switch(False)

    def _run(self, t0: float, stop: threading.Event) -> None:
        for at, kind, switch, on in self.timeline:
            if stop.wait(max(0.0, t0 + at - time.monotonic())):
                return
            switch(on)
            self.log.append((time.monotonic(), kind, on))
            if self.note is not None:
                self.note("inject", fault=kind, broken=on)
