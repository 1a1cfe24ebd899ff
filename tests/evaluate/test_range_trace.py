"""scripts/make_range_trace.py: a scenario's echoes come from its labels, as an HC-SR04 hears."""

from __future__ import annotations

import pytest

from rearguard.evaluate.labels import Crossing
from rearguard.synth.ranger import Beam
from tests.scripts import load_script


def _script():
    return load_script("make_range_trace")


def test_crossings_are_heard_at_their_distance_while_in_the_cone_and_not_after():
    script = _script()
    crossings = [Crossing("legs", 1.0, 1.5, 0.7), Crossing("walker", 3.0, 3.6, 2.3),
                 Crossing("far walker", 5.0, 5.5, 6.0)]
    records = script.trace([], 0.0, 7.0, Beam(), seed=2, crossings=crossings)
    heard = [(r["t"], r["distance_m"]) for r in records if "distance_m" in r]

    def near(lo, hi, metres):
        inside = [d for t, d in heard if lo <= t <= hi]
        return inside and sorted(inside)[len(inside) // 2] == pytest.approx(metres, rel=0.05)

    assert near(1.0, 1.5, 0.7) and near(3.0, 3.6, 2.3)
    # Beyond the HC-SR04's 4 m, and between crossings, it hears nothing (bar rare spikes).
    quiet = [d for t, d in heard if not (1.0 <= t <= 1.5 or 3.0 <= t <= 3.6)]
    assert len(quiet) <= 2
