"""What the motors do after each command: the rules the player follows and the report draws.

- A new command preempts whatever is playing (the policy decides what matters more).
- A looping pattern (caution, warning, danger, fault-both) and "clear" become the background.
- A one-shot (armed, a partial fault, muted...) plays once over the background; then the
  background starts again from the top of its cycle.
- A directional pattern plays on the threat's side when there is a motor there; every other
  pattern, or a side without a motor, plays on every motor.

:class:`Playing` holds these rules; the live player steps it in real time, and
:func:`motor_timeline` steps it over a recorded list of commands, so a report shows exactly
what the player would have done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rearguard.haptics.patterns import PATTERNS, Pattern
from rearguard.messages import AlertCommand, BodySide


@dataclass
class Playing:
    """The command playing now and the background it falls back to."""

    current: AlertCommand | None = None
    background: AlertCommand | None = None

    def start(self, command: AlertCommand) -> Pattern:
        """``command`` preempts what plays; a loop or "clear" also becomes the background."""
        pattern = PATTERNS[command.pattern]
        if pattern.repeat or pattern.name == "clear":
            self.background = command
        self.current = command
        return pattern

    def cycle_done(self) -> AlertCommand | None:
        """One full cycle of the current pattern has played: what plays next (None: nothing)."""
        if self.current is not None and not PATTERNS[self.current.pattern].repeat:
            self.current = self.background
        if self.current is not None and self.current.pattern == "clear":
            self.current = None
        return self.current


def motor_sides(pattern: Pattern, side: BodySide,
                available: Sequence[BodySide]) -> tuple[BodySide, ...]:
    """The motors a pattern plays on (see the module docstring)."""
    if pattern.directional and side in available:
        return (side,)
    return tuple(available)


@dataclass(frozen=True)
class Stretch:
    """One pattern playing on some motors from ``start`` to ``end`` (seconds)."""

    start: float
    end: float
    pattern: Pattern
    sides: tuple[BodySide, ...]

    def intensity(self, t: float, side: BodySide) -> float:
        if not self.start <= t < self.end or side not in self.sides:
            return 0.0
        return self.pattern.intensity_at(t - self.start)


def motor_timeline(commands: Iterable[AlertCommand], end: float,
                   available: Sequence[BodySide]) -> list[Stretch]:
    """What the motors play from the first command until ``end``, as the player would."""
    ordered = sorted(commands, key=lambda c: c.t)
    playing = Playing()
    stretches: list[Stretch] = []
    for i, command in enumerate(ordered):
        until = ordered[i + 1].t if i + 1 < len(ordered) else end
        t = command.t
        now: AlertCommand | None = command
        playing.start(command)
        while now is not None and t < until:
            pattern = PATTERNS[now.pattern]
            cycle_end = until if pattern.repeat or not pattern.steps else \
                min(t + pattern.duration_s, until)
            if pattern.steps:
                stretches.append(Stretch(t, cycle_end, pattern,
                                         motor_sides(pattern, now.side, available)))
            if cycle_end >= until:
                break
            t = cycle_end
            now = playing.cycle_done()
    return stretches


def intensity_at(stretches: Sequence[Stretch], t: float, side: BodySide) -> float:
    """The strength of the motor on ``side`` at time ``t``."""
    for stretch in stretches:
        if stretch.start <= t < stretch.end:
            return stretch.intensity(t, side)
    return 0.0
