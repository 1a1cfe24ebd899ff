"""The report's figures: the closest pass and the event table's wording."""

from __future__ import annotations

from rearguard.report.summary import closest_pass, describe


def test_the_closest_pass_is_the_nearest_track_or_echo():
    events = [{"t": 11.0, "kind": "track", "id": 3, "label": "person", "distance_m": 4.2},
              {"t": 12.0, "kind": "range", "sensor": "rear", "distance_m": 1.4},
              {"t": 12.5, "kind": "range", "sensor": "rear"},  # no echo: not a distance
              {"t": 13.0, "kind": "track", "id": 3, "label": "person", "distance_m": 2.0}]
    closest = closest_pass(events, t0=10.0)
    assert (closest.distance_m, closest.t, closest.what) == (1.4, 2.0, "rangefinder rear")
    assert closest_pass(events[2:3], t0=10.0) is None


def test_events_in_words():
    alert = {"t": 1.0, "kind": "alert", "level": "WARNING", "previous": "CAUTION", "track": 4,
             "label": "bicycle", "distance_m": 5.04, "side": "left", "reason": "ttc 2.1 s"}
    assert describe(alert) == "CAUTION → WARNING, bicycle #4, 5.0 m, on the left, ttc 2.1 s"
    assert describe({"t": 2.0, "kind": "fault", "stage": "camera", "active": True,
                     "cause": "no frames"}) == "camera lost: no frames"
    assert describe({"t": 3.0, "kind": "mute", "paused": False}) == "alerts resumed"
