"""A frame decided on in two parts (a Pi 5's shared frames, farview.FIRST): each track is
updated once a frame and reported once."""

from __future__ import annotations

from rearguard.config import load_config
from rearguard.core.world import WorldModel
from rearguard.messages import Detection, DetectionSet

SIZE = (1280, 720)
WALKER = (100.0, 300.0, 160.0, 480.0)  # beside the far window: the first part
AHEAD = (620.0, 330.0, 650.0, 420.0)  # inside it: the rest


def _frame(t: float, *boxes) -> DetectionSet:
    return DetectionSet(t, round(t * 10), SIZE, tuple(
        Detection("person", 0, 0.9, box) for box in boxes))


def test_the_rest_of_a_frame_neither_updates_nor_reports_its_first_part_again():
    world = WorldModel(load_config(None), {"person": 1.7})
    for k in range(5):
        world.add_detections(_frame(k * 0.1, WALKER, AHEAD))
    ids = {t.track_id: t for t in world.tracker.tracks}
    assert len(ids) == 2
    first = world.add_detections(_frame(0.5, WALKER))
    walker = next(t for t in world.tracker.tracks if t.detected_box == WALKER)
    assert [e["id"] for e in first] == [walker.track_id]
    hits = walker.hits
    # The rest: the far view's box of the one ahead, and (were it ever there) a box right on
    # the walker, which must not update his track a second time in the same frame.
    moved = (102.0, 301.0, 162.0, 481.0)
    rest = world.add_detections(_frame(0.5, AHEAD, moved))
    ahead = next(t for t in world.tracker.tracks if t.detected_box == AHEAD)
    assert ahead.track_id in [e["id"] for e in rest]
    assert walker.track_id not in [e["id"] for e in rest]
    assert walker.hits == hits and walker.detected_box == WALKER
