"""Hardware-in-the-loop check of the motors: did the pins really switch when the alerts said?

Each motor pin has a jumper to a spare input pin (hw/loopback.md). The alert commands of a
replay are played in real time through the real PatternPlayer on the real PwmMotors, and the
input pins' edges (timed by the pin factory) are compared with the commands: every command
whose pattern starts with a pulse must switch its motor's pin within ``tolerance_s``.

On a Pi this runs on the real GPIO (``pytest -m hil --hardware``); anywhere else on gpiozero's
MockFactory with mock jumpers, so the checking itself is tested too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from rearguard.config.schema import MotorConfig
from rearguard.devices.motors import PwmMotors
from rearguard.haptics.patterns import PATTERNS
from rearguard.haptics.player import PatternPlayer
from rearguard.messages import AlertCommand, BodySide

# Default jumpers: motor pin -> input pin (hw/loopback.md).
JUMPERS = {12: 5, 18: 6, 13: 16}


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
