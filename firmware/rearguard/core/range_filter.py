"""The rangefinder reading filter: spikes and no-echo never become obstacles.

Real HC-SR04 logs show three kinds of trouble: no echo (reported by loggers as 0, -1, 400 or
~1200 cm; here as ``None``), single-sample spikes (a stray echo reads 190 cm in a run of 37 cm),
and dropouts in the middle of a real approach. The filter:

1. treats no echo, and anything beyond the sensor's trusted range, as "nothing there";
2. accepts a reading when it agrees with what the filter already tracks (within ``agree_m``
   plus ``agree_fraction`` of the distance, around the predicted distance), or when two echoes
   in a row agree with each other: a lone spike is never confirmed; a new object is confirmed
   by its second echo. That costs one reading period when something appears suddenly, and
   nothing while it keeps approaching;
3. tracks the accepted distance and its rate with an alpha-beta filter, which follows a steady
   approach without lag, and forgets the object after ``hold_s`` without an accepted echo.
"""

from __future__ import annotations

from dataclasses import dataclass

from rearguard.messages import RangeReading

MIN_DISTANCE_M = 0.02  # an HC-SR04 cannot see nearer than this; such readings are noise
MAX_CLOSING_MPS = 5.0  # a new object's first two echoes may differ by this much per second


@dataclass(frozen=True, slots=True)
class RangeState:
    """What the filter believes at ``t``."""

    t: float
    distance_m: float
    closing_speed_mps: float  # positive when getting nearer
    confirmed_at: float  # when the object was first confirmed
    echoes: int = 2  # accepted echoes since then: its closing speed means more with more


class RangeFilter:
    def __init__(self, max_distance_m: float, *, agree_m: float = 0.1,
                 agree_fraction: float = 0.1, hold_s: float = 0.5, alpha: float = 0.6,
                 beta: float = 0.15):
        self.max_distance_m = max_distance_m
        self.agree_m, self.agree_fraction = agree_m, agree_fraction
        self.hold_s, self.alpha, self.beta = hold_s, alpha, beta
        self._candidate: tuple[float, float] | None = None  # an echo the state cannot explain
        self.state: RangeState | None = None

    def valid(self, reading: RangeReading) -> float | None:
        """The reading's distance if it can be an object at all, else None (no echo)."""
        d = reading.distance_m
        if d is None or d < MIN_DISTANCE_M or d > self.max_distance_m:
            return None
        return d

    def update(self, reading: RangeReading) -> RangeState | None:
        """Fold in one reading; the filtered state, or None when nothing is there."""
        t, d = reading.t, self.valid(reading)
        if self.state is not None and t - self.state.t > self.hold_s:
            self.state = None  # nothing confirmed for too long: the object is gone
        if d is None:
            self._candidate = None
            return self.state
        tolerance = self.agree_m + self.agree_fraction * d
        if self.state is not None and abs(d - self._predicted(t)) <= tolerance:
            self.state = self._track(t, d)
            self._candidate = None
        elif self._candidate is not None and self._pair_agrees(self._candidate, (t, d)):
            # Two echoes in a row agree: something real (new, or the old object moved).
            self.state = RangeState(t, d, self._rate(self._candidate, (t, d)), t)
            self._candidate = None
        else:
            self._candidate = (t, d)  # a spike, or the first echo of something new
        return self.state

    def _pair_agrees(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        dt = b[0] - a[0]
        allowed = self.agree_m + self.agree_fraction * b[1] + MAX_CLOSING_MPS * max(dt, 0.0)
        return dt <= self.hold_s and abs(b[1] - a[1]) <= allowed

    def _predicted(self, t: float) -> float:
        s = self.state
        return s.distance_m - s.closing_speed_mps * (t - s.t)

    @staticmethod
    def _rate(a: tuple[float, float], b: tuple[float, float]) -> float:
        dt = b[0] - a[0]
        return (a[1] - b[1]) / dt if dt > 1e-3 else 0.0

    def _track(self, t: float, d: float) -> RangeState:
        s = self.state
        dt = max(t - s.t, 1e-3)
        predicted = self._predicted(t)
        residual = d - predicted
        distance = max(predicted + self.alpha * residual, MIN_DISTANCE_M)
        closing = s.closing_speed_mps - self.beta * residual / dt
        return RangeState(t, distance, closing, s.confirmed_at, s.echoes + 1)
