"""The haptic language: what each message feels like, as plain data.

Felt on the back through a shirt, vibrations are told apart by rhythm far more reliably than
by strength, and a pulse shorter than about 100 ms, or a gap shorter than about 100 ms, blurs
into its neighbours. So every pattern here is a rhythm of pulses of at least 100 ms with gaps of
at least 100 ms, and urgency rises with tempo as well as strength:

| pattern        | rhythm                                   | means                              |
|----------------|------------------------------------------|------------------------------------|
| armed          | two quick rising taps, once              | the device is running              |
| caution        | one soft tap every 1.2 s                 | something is coming, not yet close |
| warning        | two firm taps every 0.9 s                | act soon (about 2-3 s to contact)  |
| danger         | fast strong pulses, without pause        | act now                            |
| fault-camera   | long-short, once (reminded every 30 s)   | camera lost: rangefinder only      |
| fault-ranger   | short-long, once (reminded every 30 s)   | rangefinder lost: camera only      |
| fault-both     | long slow throb, without pause           | the device cannot see: stop        |
| fault-haptics  | three short strong beeps, once           | a motor failed (heard on the buzzer)|
| fault-storage  | three short soft taps, once              | recording stopped; alerts go on    |
| muted          | one long soft pulse                      | alerts paused (danger still comes) |
| resumed        | two short soft taps                      | alerts back on                     |
| shutdown       | three long pulses, fading                | shutting down safely               |

Direction: a level pattern plays on the motor on the threat's side (left, centre, right) when
the device has more than one; fault and status patterns play on every motor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rearguard.messages import AlertLevel

MIN_PULSE_S = 0.1  # the shortest pulse felt as one (checked for every pattern by the tests)
MIN_GAP_S = 0.1  # the shortest gap felt between two pulses


@dataclass(frozen=True)
class Pattern:
    """Steps of (seconds, intensity 0-1); ``repeat`` loops it until another command comes."""

    name: str
    steps: tuple[tuple[float, float], ...]
    repeat: bool
    directional: bool  # played on the threat's side (else on every motor)
    meaning: str

    @property
    def duration_s(self) -> float:
        return sum(d for d, _ in self.steps)

    def intensity_at(self, elapsed: float) -> float:
        """The motor strength ``elapsed`` seconds after the pattern started."""
        if self.repeat and self.duration_s > 0:
            elapsed %= self.duration_s
        for duration, intensity in self.steps:
            if elapsed < duration:
                return intensity
            elapsed -= duration
        return 0.0


def _pulses(*pulses: tuple[float, float, float]) -> tuple[tuple[float, float], ...]:
    """(on seconds, intensity, off seconds) triples as steps."""
    steps: list[tuple[float, float]] = []
    for on, intensity, off in pulses:
        steps.append((on, intensity))
        if off > 0:
            steps.append((off, 0.0))
    return tuple(steps)


_ALL = [
    Pattern("armed", _pulses((0.12, 0.5, 0.12), (0.12, 1.0, 0.0)), False, False,
            "the device is running"),
    Pattern("clear", (), False, False, "nothing to tell: motors off"),
    Pattern("caution", _pulses((0.15, 0.55, 1.05)), True, True,
            "something is coming, not yet close"),
    Pattern("warning", _pulses((0.15, 0.8, 0.12), (0.15, 0.8, 0.48)), True, True,
            "act soon: about 2-3 s to contact"),
    Pattern("danger", _pulses((0.12, 1.0, 0.1)), True, True, "act now"),
    Pattern("fault-camera", _pulses((0.45, 0.7, 0.15), (0.15, 0.7, 0.0)), False, False,
            "camera lost: rangefinder only"),
    Pattern("fault-ranger", _pulses((0.15, 0.7, 0.15), (0.45, 0.7, 0.0)), False, False,
            "rangefinder lost: camera only"),
    Pattern("fault-both", _pulses((0.7, 0.6, 0.8)), True, False,
            "the device cannot see: stop and check it"),
    Pattern("fault-haptics", _pulses((0.15, 1.0, 0.1), (0.15, 1.0, 0.1), (0.15, 1.0, 0.0)),
            False, False, "a motor failed: the buzzer carries on"),
    Pattern("fault-storage", _pulses((0.1, 0.45, 0.12), (0.1, 0.45, 0.12), (0.1, 0.45, 0.0)),
            False, False, "recording stopped (disk full or unwritable); alerts go on"),
    Pattern("muted", _pulses((0.35, 0.4, 0.0)), False, False, "alerts paused"),
    Pattern("resumed", _pulses((0.1, 0.4, 0.12), (0.1, 0.4, 0.0)), False, False,
            "alerts back on"),
    Pattern("shutdown", _pulses((0.4, 0.9, 0.2), (0.4, 0.6, 0.2), (0.4, 0.3, 0.0)), False,
            False, "shutting down safely"),
]

PATTERNS: Mapping[str, Pattern] = {p.name: p for p in _ALL}

LEVEL_PATTERNS: Mapping[AlertLevel, str] = {
    AlertLevel.CLEAR: "clear", AlertLevel.CAUTION: "caution", AlertLevel.WARNING: "warning",
    AlertLevel.DANGER: "danger"}
