"""The rangefinder reading filter: spikes and no-echo never become obstacles.

Real HC-SR04 logs show three kinds of trouble: no echo (reported by loggers as 0, -1, 400 or
~1200 cm; here as ``None``), single-sample spikes (a stray echo reads 190 cm in a run of 37 cm),
and dropouts in the middle of a real approach. The filter:

1. treats no echo, and anything beyond the sensor's trusted range, as "nothing there";
2. accepts a reading when it agrees with what the filter already tracks (within ``agree_m``
   plus ``agree_fraction`` of the distance, around the predicted distance), or when two echoes
   in a row agree with each other: a lone spike is never confirmed; a new object is confirmed
   by its second echo. What makes that second echo come quickly is the ping pacing below
   (:func:`ping_interval_s`): a near echo nothing confirms yet is answered by a follow-up
   ping as soon as its echo has died down, so a new near object costs a few milliseconds, not
   a whole reading period; and nothing while it keeps approaching;
3. tracks the accepted distance and its rate with an alpha-beta filter, which follows a steady
   approach without lag, and forgets the object after ``hold_s`` without an accepted echo;
4. checks that rate against a straight line fitted through the accepted echoes of the last
   ``SPREAD_WINDOW_S``: its slope and the slope's standard error (never less than the
   sensor's own noise allows). A person crossing the beam at a steady 2 m reads 2.12, 2.19,
   2.12, 2.18, 2.13, 2.02 m: the alpha-beta rate swings to 0.6 m/s on the last echo, while
   the line says 0.1 +- 0.1 m/s, no approach.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from rearguard.messages import RangeReading

SPEED_OF_SOUND_MPS = 343.0
MIN_DISTANCE_M = 0.02  # an HC-SR04 cannot see nearer than this; such readings are noise
MAX_CLOSING_MPS = 5.0  # a new object's first two echoes may differ by this much per second
SPREAD_WINDOW_S = 0.6  # the closing speed's spread is judged over the echoes this recent
ECHO_NOISE_M = 0.03  # an HC-SR04's spread at a few metres, at least (the real logs: 1-3 cm)
UNKNOWN_SPREAD_MPS = 5.0  # with fewer than three echoes to fit, the rate is anybody's guess


@dataclass(frozen=True, slots=True)
class RangeState:
    """What the filter believes at ``t``."""

    t: float
    distance_m: float
    closing_speed_mps: float  # positive when getting nearer
    confirmed_at: float  # when the object was first confirmed
    echoes: int = 2  # accepted echoes since then: its closing speed means more with more
    fitted_closing_mps: float = 0.0  # the line through the recent echoes: its closing speed
    closing_sigma_mps: float = UNKNOWN_SPREAD_MPS  # and that speed's standard error

    @property
    def clearly_closing(self) -> bool:
        """Is the line's closing speed more than twice its own standard error?"""
        return self.fitted_closing_mps > 2 * self.closing_sigma_mps


class RangeFilter:
    def __init__(self, max_distance_m: float, *, agree_m: float = 0.1,
                 agree_fraction: float = 0.1, hold_s: float = 0.5, alpha: float = 0.6,
                 beta: float = 0.15):
        self.max_distance_m = max_distance_m
        self.agree_m, self.agree_fraction = agree_m, agree_fraction
        self.hold_s, self.alpha, self.beta = hold_s, alpha, beta
        self._candidate: tuple[float, float] | None = None  # an echo the state cannot explain
        self._recent: deque[tuple[float, float]] = deque(maxlen=16)  # accepted (t, metres)
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
            self._recent.append((t, d))
            self.state = self._track(t, d)
            self._candidate = None
        elif self._candidate is not None and self._pair_agrees(self._candidate, (t, d)):
            # Two echoes in a row agree: something real (new, or the old object moved).
            self._recent.clear()
            self._recent.extend((self._candidate, (t, d)))
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
        return RangeState(t, distance, closing, s.confirmed_at, s.echoes + 1,
                          *fitted_closing(self._recent, t - SPREAD_WINDOW_S))


def fitted_closing(echoes: deque[tuple[float, float]], since: float) -> tuple[float, float]:
    """(closing speed, its standard error), m/s, of a line through the echoes after ``since``.

    The residuals' own spread is used, but never less than ``ECHO_NOISE_M``: three echoes on
    a line by chance do not make a sure speed.
    """
    points = [(t, d) for t, d in echoes if t >= since]
    n = len(points)
    if n < 3:
        return 0.0, UNKNOWN_SPREAD_MPS
    mean_t = sum(t for t, _ in points) / n
    mean_d = sum(d for _, d in points) / n
    stt = sum((t - mean_t) ** 2 for t, _ in points)
    if stt <= 0.0:
        return 0.0, UNKNOWN_SPREAD_MPS
    slope = sum((t - mean_t) * (d - mean_d) for t, d in points) / stt
    residual = sum((d - mean_d - slope * (t - mean_t)) ** 2 for t, d in points) / (n - 2)
    return -slope, math.sqrt(max(residual, ECHO_NOISE_M ** 2) / stt)


# --- ping pacing -------------------------------------------------------------------------------

NEAR_M = 2.0  # "something is near": beyond the DANGER and WARNING distances, within 2.5 s at 1 m/s
NEAR_PERIOD_S = 0.03  # while something is near: echoes from 5 m have died down by then
CONFIRM_GUARD_S = 0.005  # after a near echo, wait this long past its return before re-pinging


def _agree(a: float, b: float, agree_m: float = 0.1, agree_fraction: float = 0.1) -> bool:
    return abs(a - b) <= agree_m + agree_fraction * min(a, b)


def ping_interval_s(previous: float | None, latest: float | None, period_s: float) -> float:
    """Seconds from the latest ping to the next, from the last two readings' distances.

    - A near echo the reading before does not confirm (a new object, or a lone spike): ping
      again as soon as its echo is back plus a short guard, so the filter's confirmation (two
      agreeing echoes) costs milliseconds. An earlier ping's echo from farther away can only
      arrive later than the near object's own, so it cannot confirm the near echo by mistake.
    - Something confirmed near (two agreeing echoes within ``NEAR_M``): ping every
      ``NEAR_PERIOD_S``, faster than the base rate, while it is there.
    - Otherwise: the configured period (HC-SR04: about 60 ms for echoes to die down).
    """
    if latest is None or latest > NEAR_M:
        return period_s
    if previous is None or not _agree(previous, latest):
        return min(period_s, 2 * latest / SPEED_OF_SOUND_MPS + CONFIRM_GUARD_S)
    return min(period_s, NEAR_PERIOD_S)
