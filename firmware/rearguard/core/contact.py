"""How soon an object reaches the runner: how fast each class can close, and the time to
contact from the two cues the world model has, each with its variance.

- From the image's growth, ``1 / (d ln h / dt)``: no distance or calibration needed.
- From the distance and its closing speed (the distance filter's state).
- The two weighed by their variances, or neither when too unsure to act on.

Pure arithmetic on numbers and a track's growth; the world model (``core/world.py``) decides
which cues to trust (``WorldModel._cross_checked``).
"""

from __future__ import annotations

import math

from rearguard.core.tracking import Axis, Track

MIN_CLOSING_MPS = 0.05  # below this the time to contact is unknown (nothing is closing)
MAX_TTC_S = 30.0
TTC_MAX_RELATIVE_SIGMA = 0.4

# The fastest a thing of each class can close on a backward runner: its own top speed plus the
# runner's (3.5 m/s, a fast backward pace). A box that grows faster than this allows is noise
# (a gait, an occluder, a box edge that jumped), not an approach: a walker 11 m away does not
# arrive in 0.9 s. Unless its own pixels' growth and its distances agree on it
# (``world._agreed_closing``): then the class is wrong (a cyclist's rider read as a "person").
RUNNER_MAX_MPS = 3.5
# Four-legged animals: a small detector at low resolution reads a dog as a sheep, a cow or an
# elephant (YOLOX at 320 px, scene dog-in-path), so all of them are obstacles (models/
# catalog.toml), one track whatever each box says, and the fastest any of them closes is a
# running dog's.
ANIMALS = ("dog", "cat", "sheep", "cow", "horse", "bear", "elephant", "zebra", "giraffe")
MAX_OWN_SPEED_MPS = {"person": 5.0, "bicycle": 12.0, "motorcycle": 25.0, "car": 25.0,
                     "bus": 20.0, "truck": 20.0, **dict.fromkeys(ANIMALS, 9.0)}
STATIC_OWN_SPEED_MPS = 0.0  # furniture: benches, hydrants, signs close at the runner's pace
# Distance and scale each carry 10-20 % of error at range: only a closing speed beyond the
# class's limit by more than that is taken as impossible.
CLOSING_MARGIN = 1.3
# Whatever its class: a car on a road (the detector's class can be wrong: a cyclist's rider
# is a "person", a motorbike a "bicycle").
FASTEST_CLOSING_MPS = CLOSING_MARGIN * (RUNNER_MAX_MPS + max(MAX_OWN_SPEED_MPS.values()))


def max_closing_mps(label: str) -> float:
    """The fastest closing speed believed for ``label``, estimation error included."""
    return CLOSING_MARGIN * (RUNNER_MAX_MPS + MAX_OWN_SPEED_MPS.get(label,
                                                                     STATIC_OWN_SPEED_MPS))


def ttc_from_scale(track: Track, t: float) -> tuple[float, float] | None:
    """(time to contact at ``t``, its variance) from d ln(h)/dt, once it clearly grows."""
    rate, sigma = track.growth_rate, track.growth_rate_sigma
    if rate <= 2 * sigma or rate <= 1.0 / MAX_TTC_S:
        return None
    ttc = 1.0 / rate - (t - track.t)  # a steady approach loses a second per second
    return (ttc, sigma ** 2 / rate ** 4) if ttc > 0 else None


def closing_with_growth(distance: float, axis: Axis, track: Track,
                        seen: float) -> tuple[float | None, float | None]:
    """(time to contact, its variance) from the distance's closing speed weighed with the one
    its growth implies (seen distance x growth rate, each with its variance), when the growth
    is too faint to time the object by itself: it still says how fast the object can be
    closing. (busy-path-20s, mirrored, Pi 5: a walker 25 m away, closing at 1.8 m/s; one
    full-view box 28 % too tall made his distances fall at 8.1 +- 2.4 m/s while his pixels
    grew at 0.12 +- 0.11 a second, 2.9 +- 2.7 m/s: a WARNING 15 s before he came.)"""
    var_distance = axis.p11
    var_growth = (seen * track.growth_rate_sigma) ** 2
    if var_distance <= 0 or var_growth <= 0:
        return None, None
    var = 1.0 / (1.0 / var_distance + 1.0 / var_growth)
    closing = var * (-axis.rate / var_distance + seen * track.growth_rate / var_growth)
    return ttc_of_closing(distance, axis.p00, closing, var)


def ttc_of_closing(distance: float, var_distance: float, closing: float,
                   var_closing: float) -> tuple[float | None, float | None]:
    """(distance / closing speed, its variance), or (None, None) when the closing speed does
    not stand clearly (2 sigma) above its own noise: only then is it a time to contact."""
    if distance <= 0 or closing <= max(MIN_CLOSING_MPS, 2 * math.sqrt(var_closing)):
        return None, None
    return (distance / closing,
            var_distance / closing ** 2 + distance ** 2 * var_closing / closing ** 4)


def combine_ttc(scale: tuple[float, float] | None, ttc_distance: float | None,
                var_distance: float | None) -> tuple[float | None, float]:
    """The two estimates weighed by their variances: (time to contact, its sigma), or
    (None, inf) when neither times it well enough."""
    estimates = [e for e in (scale, (ttc_distance, var_distance) if ttc_distance else None)
                 if e is not None and e[1] > 0]
    if not estimates:
        return None, math.inf
    weights = [1.0 / v for _, v in estimates]
    ttc = sum(w * e for w, (e, _) in zip(weights, estimates, strict=True)) / sum(weights)
    sigma = math.sqrt(1.0 / sum(weights))
    if sigma > TTC_MAX_RELATIVE_SIGMA * ttc:
        return None, math.inf  # too unsure to act on: a wrong time to contact is worse than none
    return min(ttc, MAX_TTC_S), sigma
