"""The judging arithmetic of `rearguard evaluate`, on hand-made event logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rearguard.evaluate.labels import Approach, GroundTruth, QuietSpan
from rearguard.evaluate.metrics import LevelTimeline, judge_approach, judge_quiet
from rearguard.evaluate.tracks import judge_identities


def alerts(*changes):
    """Alert events from (t, level) pairs, previous levels filled in."""
    events, previous = [], "CLEAR"
    for t, level in changes:
        events.append({"t": t, "kind": "alert", "level": level, "previous": previous})
        previous = level
    return events


WALKER = Approach("walker", "person", True, closing_from=0.0, contact_t=6.0, end_t=7.0)


def test_an_early_held_warning_with_danger_by_contact_passes():
    timeline = LevelTimeline(alerts((2.0, "CAUTION"), (3.5, "WARNING"), (5.2, "DANGER"),
                                    (6.8, "CLEAR")))
    e = judge_approach("clip", "pi4", WALKER, timeline, clip_end=8.0)
    assert e.lead_s == pytest.approx(2.5) and e.held and e.danger_by_contact
    assert e.level_changes == 3  # the final CLEAR is not flicker
    assert e.passed, e.failures


def test_a_late_warning_a_drop_and_flicker_each_fail():
    timeline = LevelTimeline(alerts((4.5, "WARNING"), (5.0, "CLEAR"), (5.3, "WARNING"),
                                    (5.5, "CAUTION"), (5.7, "WARNING")))
    e = judge_approach("clip", "pi4", WALKER, timeline, clip_end=8.0)
    assert e.lead_s == pytest.approx(1.5)
    assert not e.held and e.danger_by_contact is False and e.level_changes == 5
    assert len(e.failures) == 4 and not e.passed


def test_a_short_approach_needs_a_warning_soon_after_it_is_seen_closing():
    short = Approach("cyclist", "bicycle", True, closing_from=4.0, contact_t=6.0, end_t=6.5)
    prompt = judge_approach("c", "pi5", short, LevelTimeline(alerts((4.4, "WARNING"),
                                                                    (5.0, "DANGER"))), 7.0)
    slow = judge_approach("c", "pi5", short, LevelTimeline(alerts((4.7, "WARNING"),
                                                                  (5.0, "DANGER"))), 7.0)
    assert prompt.passed and not slow.passed
    # The verdict says when the WARNING was due and came, in clip time and before contact.
    assert slow.failures == ["WARNING due by 4.50 s into the clip (1.50 s before contact), "
                             "got it at 4.70 s (1.30 s before)"]


def test_quiet_spans_count_warnings_and_dangers_that_start_inside():
    events = alerts((1.0, "CAUTION"), (2.0, "WARNING"), (2.5, "DANGER"), (3.0, "CLEAR"),
                    (9.0, "WARNING"))
    q = judge_quiet("clip", "pi4", "low", [QuietSpan(0.0, 5.0)], LevelTimeline(events), 10.0,
                    events)
    assert (q.seconds, q.false_warnings, q.false_dangers) == (5.0, 1, 1)


def test_identities_count_ids_and_switches_per_person(tmp_path: Path):
    gt = tmp_path / "gt.txt"
    gt.write_text("1,1,0,0,10,20\n2,1,1,0,10,20\n3,1,2,0,10,20\n")  # one person, 3 frames
    times = [0.0, 0.1, 0.2]
    events = [{"t": t, "kind": "track", "id": ident, "box": [i, 0, i + 10, 20]}
              for i, (t, ident) in enumerate(zip(times, (5, 5, 9), strict=True))]
    import numpy as np

    r = judge_identities("clip", "pi4", GroundTruth("mot", gt, 1), events, np.array(times))
    assert (r.people, r.track_ids, r.switches, r.covered) == (1, 2, 1, 1.0)


def test_square_pixels_and_a_stated_field_of_view():
    """A 4:3 stream of a 16:9 sensor keeps square pixels; --hfov sets the focal length."""
    from rearguard.core.geometry import intrinsics_from_hfov, lens_intrinsics

    k = lens_intrinsics("cm3-normal").scaled_to(640, 480)
    assert k.fx == pytest.approx(k.fy)
    assert (k.cx, k.cy) == (320.0, 240.0)
    wide = intrinsics_from_hfov(90.0, 640, 360)
    assert wide.fx == pytest.approx(320.0) and wide.fy == wide.fx
