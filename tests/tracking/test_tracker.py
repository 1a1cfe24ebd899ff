"""Track identities through the things that used to split them: a gap of missed detections
while the object changes pace, and a duplicate box that starts a tentative track beside an
established one."""

from __future__ import annotations

import random

from rearguard.config import load_config
from rearguard.core.tracking import GAIT_BOB, Tracker, _apart, _Prediction
from rearguard.messages import Box, Detection, DetectionSet

CONFIG = load_config(None).tracking
FRAME = (768, 576)
DT = 1 / 7  # a slow board's detector rate


def _frame(tracker: Tracker, i: int, *boxes: Box) -> list[int]:
    """One frame's person boxes; the ids of the tracks it updated, in box order."""
    detections = tuple(Detection("person", 0, 0.6, box) for box in boxes)
    updated = tracker.update(DetectionSet(i * DT, i, FRAME, detections))
    by_box = {track.detected_box: track.track_id for track in updated}
    return [by_box[box] for box in boxes]


def _walker(x: float) -> Box:
    return (x, 200.0, x + 30.0, 275.0)  # a 30 x 75 px person, left edge at x


def _walk_then_hide(tracker: Tracker, frames: int = 10) -> tuple[int, float]:
    """A person walks left at 60 px/s for ``frames`` frames; their id and last x."""
    x = 500.0
    for i in range(frames):
        (ident,) = _frame(tracker, i, _walker(x))
        x -= 60.0 * DT
    return ident, x + 60.0 * DT


def test_a_person_who_stops_while_unseen_keeps_their_id():
    """Missed for 3 frames (unseen 0.57 s), the person stopped meanwhile: they are 34 px
    (more than their width) behind where the track coasted to. The same track takes them
    back."""
    tracker = Tracker(CONFIG, {"person"})
    ident, x = _walk_then_hide(tracker)
    assert _frame(tracker, 13, _walker(x)) == [ident]


def test_a_box_far_from_where_an_unseen_track_could_be_is_a_new_track():
    tracker = Tracker(CONFIG, {"person"})
    ident, x = _walk_then_hide(tracker)
    (other,) = _frame(tracker, 13, _walker(x + 120.0))  # 4 widths behind, 1.6 heights
    assert other != ident


def test_the_coasting_slack_grows_with_the_time_unseen():
    """The same offset, but after a single frame: too far for a person to stray in 0.14 s."""
    tracker = Tracker(CONFIG, {"person"})
    ident, x = _walk_then_hide(tracker)
    (other,) = _frame(tracker, 10, _walker(x - 60.0 * DT + 45.0))
    assert other != ident


def test_a_duplicate_box_does_not_take_the_established_track():
    """A wider second box of the same person starts a tentative track; next frame the only
    box overlaps the tentative track's more, but the confirmed track keeps the person."""
    tracker = Tracker(CONFIG, {"person"})
    person = (100.0, 100.0, 130.0, 175.0)
    for i in range(4):
        (ident,) = _frame(tracker, i, person)
    _, duplicate = _frame(tracker, 4, person, (95.0, 100.0, 140.0, 175.0))
    assert duplicate != ident
    assert _frame(tracker, 5, (96.0, 100.0, 138.0, 175.0)) == [ident]
    for i in range(6, 9):
        assert _frame(tracker, i, person) == [ident]
    assert [t.track_id for t in tracker.tracks if tracker.confirmed(t)] == [ident]


def test_a_tentative_track_does_not_coast_onto_a_box():
    """Coasting slack is for established tracks: a track seen once, then a box beside where
    it was, starts another."""
    tracker = Tracker(CONFIG, {"person"})
    (first,) = _frame(tracker, 0, _walker(300.0))
    (second,) = _frame(tracker, 4, _walker(335.0))
    assert second != first


def test_a_far_box_whose_width_jitters_by_a_few_pixels_stays_one_track():
    """A far cyclist 14 px wide, then 22 px (four pixels more at each edge) and bobbed down by
    the gait: the same object, not a second track."""
    tracker = Tracker(CONFIG, {"person"})
    (ident,) = _frame(tracker, 0, (637.0, 250.0, 651.0, 288.0))
    assert _frame(tracker, 1, (633.0, 279.0, 655.0, 318.0)) == [ident]


def test_the_shortcut_for_pairs_far_apart_rejects_only_what_ranking_rejects():
    """``_apart`` settles most pairs before ranking: it must never drop a pair ``_rank`` would
    take, whatever the boxes, the track's state and how long it went unseen; edges that touch
    and centres exactly at the reach included."""
    rng = random.Random(4)
    tracker = Tracker(CONFIG, {"person", "car"})
    bob_px = 2 * GAIT_BOB * FRAME[1]
    rejected = 0
    for _ in range(4000):
        track = tracker._start(Detection("person", 0, 0.6, _walker(300.0)), 0.0)
        track.hits = rng.choice((1, CONFIG.confirm_hits))
        track.u.rate = rng.uniform(-80, 80)
        t = rng.choice((0.1, 0.5, 0.9))
        predicted = _Prediction(track.box_at(t), tracker.confirmed(track), t - track.last_seen)
        p, reach = predicted.box, predicted.reach
        width, height = rng.uniform(5, 60), rng.uniform(10, 150)
        centre = (p[0] + p[2]) / 2
        x = rng.choice((rng.uniform(p[0] - 200, p[2] + 200), p[2], p[0] - width,
                        centre - reach - width / 2, centre + reach - width / 2))
        y = rng.uniform(p[1] - 100, p[3] + 100)
        det = Detection(rng.choice(("person", "car")), 0, 0.6, (x, y, x + width, y + height))
        if _apart(p, det.box, reach):
            rejected += 1
            assert tracker._rank(track, predicted, det, t, FRAME, bob_px) is None
    assert rejected > 1000  # the shortcut is taken, and checked, often


def test_a_measurement_beyond_the_gate_pulls_the_estimate_a_bounded_way():
    from rearguard.core.tracking import Axis

    def pulled(miss: float, gate: float) -> float:
        axis = Axis(10.0, 1.0, 1.0)
        axis.correct(10.0 + miss, 1.0, gate)
        return axis.value - 10.0

    s = 2 ** 0.5  # one sigma of the innovation: estimate and measurement variance 1 each
    assert abs(pulled(2 * s, 2.5) - pulled(2 * s, float("inf"))) < 1e-12  # inside: plain Kalman
    assert pulled(100 * s, float("inf")) == 50 * s  # the plain filter goes halfway, however far
    # Gated, the pull is bounded (P c sqrt(S) / R = 2.5 sqrt(2) here), however far the miss.
    assert pulled(2.5 * s, 2.5) < pulled(10 * s, 2.5) < pulled(100 * s, 2.5) < 2.5 * s
    # A run of them (the object really is there) still moves the estimate within a few.
    axis = Axis(10.0, 1.0, 1.0)
    for _ in range(8):
        axis.correct(20.0, 1.0, 2.5)
    assert axis.value > 18.0


def test_one_pixel_growth_far_off_pulls_the_rate_a_bounded_way():
    """A walker seen from above (overhead_crowd, Pi 4): one frame's points measured a growth
    far beyond the track's rate near 0; ungated, the rate became a time to contact of 1.4 s,
    a WARNING, then DANGER by countdown. Gated, one such growth pulls a bounded way, however
    far off; a steady run of them (a real approach) still moves the rate."""
    from rearguard.core.tracking import Axis

    def rate_after(growth: float, gate: float) -> float:
        axis = Axis(0.0, 0.01, 0.05)
        axis.correct_rate(growth, 0.05, gate)
        return axis.rate

    # The bound: rate variance x gate x sigma of the innovation / measurement variance.
    bound = 0.05 * 2.5 * 0.1 ** 0.5 / 0.05
    assert rate_after(1.2, float("inf")) == 0.6  # ungated: halfway, however far
    assert rate_after(1.2, 2.5) < 0.6 and rate_after(100.0, 2.5) < bound < 1.0
    assert abs(rate_after(0.2, 2.5) - rate_after(0.2, float("inf"))) < 1e-12  # inside: plain
    axis = Axis(0.0, 0.01, 0.05)
    for _ in range(8):
        axis.correct_rate(1.2, 0.05, 2.5)
    assert axis.rate > 1.0


def test_a_coarser_views_box_size_is_a_less_certain_measure_of_its_growth():
    """The same boxes found in a 4x shrunk view (a Pi 4's full view) leave the growth less
    certain than in a 2x view: their edges wander about one input pixel, 4 frame pixels."""
    sigmas = []
    for input_px in (2.0, 4.0):
        tracker = Tracker(CONFIG, {"person"})
        for i in range(6):
            h = 60.0 + (3.0 if i % 2 else -3.0)
            tracker.update(DetectionSet(0.2 * i, i, (1280, 720), (Detection(
                "person", 0, 0.8, (620.0, 300.0 - h, 640.0, 300.0), input_px=input_px),)))
        (track,) = tracker.tracks
        sigmas.append(track.growth_rate_sigma)
    assert sigmas[1] > 1.2 * sigmas[0]


def test_a_new_track_knows_how_coarse_its_first_box_is():
    """Its view's pixels per input pixel, from its first box on: the world
    model takes the first distance's uncertainty from them (a Pi 4's full view, 4 frame px per
    input px, had been taken for a 1 px one: a first distance four times too sure, and the
    next boxes' differences from it read as a closing speed)."""
    tracker = Tracker(CONFIG, {"person"})
    tracker.update(DetectionSet(0.0, 0, (1280, 720), (Detection(
        "person", 0, 0.8, (620.0, 240.0, 640.0, 300.0), view="far", input_px=2.0),)))
    (track,) = tracker.tracks
    assert track.detected_px == 2.0


def test_a_box_around_two_tracked_people_is_not_a_third_person():
    """Side by side, two walkers are tracked; the detector adds a box around both. As a track
    of its own it would 'grow' from one person's size to the pair's: it starts none. A car
    behind them, whose box encloses theirs, is an object of its own."""
    tracker = Tracker(CONFIG, {"person", "car"})
    left, right = (100.0, 100.0, 130.0, 175.0), (135.0, 102.0, 165.0, 176.0)
    for i in range(4):
        _frame(tracker, i, left, right)
    pair = Detection("person", 0, 0.5, (98.0, 98.0, 167.0, 178.0))
    car = Detection("car", 2, 0.7, (90.0, 120.0, 180.0, 178.0))
    both = tuple(Detection("person", 0, 0.6, box) for box in (left, right))
    tracker.update(DetectionSet(4 * DT, 4, FRAME, (*both, pair)))
    assert len(tracker.tracks) == 2
    tracker.update(DetectionSet(5 * DT, 5, FRAME, (*both, car)))
    assert sorted(tr.label for tr in tracker.tracks) == ["car", "person", "person"]


def test_a_box_across_two_tracked_people_is_not_a_third_person():
    """One person behind another, a little higher in the picture: the detector adds a box
    from the far one's head to the near one's middle (opencv_vtest at 34.2 s, where such a
    box became a track that "grew" into a false DANGER). A person standing clear of both is
    a new track."""
    tracker = Tracker(CONFIG, {"person"})
    far, near = (332.0, 178.0, 354.0, 247.0), (346.0, 214.0, 379.0, 299.0)
    for i in range(4):
        _frame(tracker, i, far, near)
    across = Detection("person", 0, 0.5, (340.0, 189.0, 377.0, 256.0))
    both = tuple(Detection("person", 0, 0.6, box) for box in (far, near))
    tracker.update(DetectionSet(4 * DT, 4, FRAME, (*both, across)))
    assert len(tracker.tracks) == 2
    clear = Detection("person", 0, 0.6, (420.0, 180.0, 450.0, 260.0))
    tracker.update(DetectionSet(5 * DT, 5, FRAME, (*both, clear)))
    assert len(tracker.tracks) == 3


def test_of_two_walkers_side_by_side_a_lone_box_goes_to_the_one_it_looks_like():
    """Two people walk side by side; for a frame the detector gives one box, between them,
    a little nearer the left one's track. Overlap alone gives it to the left track; the box
    looks like the right-hand person (their coat's colours), so it goes to theirs, and the
    left track coasts (PETS09, three people crossing: their ids traded places)."""
    red = tuple([0.9, 0.1] + [0.0] * 30)
    blue = tuple([0.0] * 30 + [0.1, 0.9])
    tracker = Tracker(CONFIG, {"person"})
    left, right = (100.0, 200.0, 130.0, 275.0), (124.0, 200.0, 154.0, 275.0)
    for i in range(4):
        tracker.update(DetectionSet(i * DT, i, FRAME, (
            Detection("person", 0, 0.7, left, appearance=red),
            Detection("person", 0, 0.7, right, appearance=blue))))
    ids = {tr.detected_box: tr.track_id for tr in tracker.tracks}
    between = (111.0, 200.0, 141.0, 275.0)  # 11 px from the left box, 13 from the right
    (taken,) = tracker.update(DetectionSet(4 * DT, 4, FRAME, (
        Detection("person", 0, 0.7, between, appearance=blue),)))
    assert taken.track_id == ids[right]


def test_a_box_only_the_coasting_slack_reaches_is_not_taken_if_it_looks_like_someone_else():
    """The person stopped while hidden (as above): the box where they stand is taken back if
    it looks like them, and is someone else's if it looks clearly unlike them (PETS09: a
    hidden person's track took the neighbour's box and the ids traded)."""
    red = tuple([0.9, 0.1] + [0.0] * 30)
    blue = tuple([0.0] * 30 + [0.1, 0.9])
    results = {}
    for name, looks in (("same coat", red), ("other coat", blue)):
        tracker = Tracker(CONFIG, {"person"})
        x = 500.0
        for i in range(10):
            (track,) = tracker.update(DetectionSet(i * DT, i, FRAME, (
                Detection("person", 0, 0.6, _walker(x), appearance=red),)))
            x -= 60.0 * DT
        (found,) = tracker.update(DetectionSet(13 * DT, 13, FRAME, (
            Detection("person", 0, 0.6, _walker(x + 60.0 * DT), appearance=looks),)))
        results[name] = found.track_id == track.track_id
    assert results == {"same coat": True, "other coat": False}


def test_a_car_leaving_the_frame_at_its_side_is_cut_by_it_not_taken_over():
    """A car parked beside the path passes out of the frame's right side, found by a 320 px
    view of a 1280 px frame (4 frame pixels to an input pixel). Its box ends at x2 = 1276,
    4 px short of the edge: that is the frame cutting it, as near as that view can tell, not a
    box 15 % narrower than the car's (which restarted its distance and its sideways offset,
    and put a parked car in the path: a false DANGER on scene parked-car-beside, Pi 4)."""
    tracker = Tracker(CONFIG, {"car"})
    looks = [(3.50, (746, 240, 963, 382)), (3.80, (755, 220, 1001, 380)),
             (3.95, (767, 235, 1024, 412)), (4.10, (772, 214, 1038, 404)),
             (4.40, (783, 226, 1094, 430)), (4.55, (801, 212, 1133, 427)),
             (4.70, (811, 221, 1167, 457)), (5.00, (835, 228, 1251, 505)),
             (5.15, (861, 186, 1278, 483)), (5.30, (900, 189, 1276, 525))]  # the scene's boxes
    boxes = [box for _, box in looks]
    for n, (t, box) in enumerate(looks):
        det = Detection("car", 2, 0.9, tuple(map(float, box)), input_px=4.0)
        tracker.update(DetectionSet(t, n, (1280, 720), (det,)))
    (track,) = tracker.tracks
    assert track.hits == len(boxes) and not track.jumped


def test_an_object_read_as_another_class_while_the_gait_moves_its_box_stays_one_track():
    """A dog 20 m away, 25 px tall, read as a dog, then as a sheep with the gait's pitch rock
    lifting its box by more than its height (no overlap at all), then as a dog again (scene
    dog-in-path, Pi 5, another noise seed): the same object, one track, its three looks
    towards confirming it."""
    tracker = Tracker(CONFIG, {"dog", "sheep"})
    looks = [(0.20, "dog", (621, 309, 660, 333)), (0.35, "sheep", (618, 281, 661, 308)),
             (0.70, "dog", (616, 284, 661, 311))]
    for n, (t, label, box) in enumerate(looks):
        det = Detection(label, 0, 0.4, tuple(map(float, box)), view="far", input_px=1.6)
        tracker.update(DetectionSet(t, n, (1280, 720), (det,)))
    (track,) = tracker.tracks
    assert track.hits == 3 and track.label == "dog"


def test_a_new_object_only_the_far_view_sees_awaits_its_next_look():
    """A Pi 4's far view takes every other frame; the full view's frames between cannot see
    what it alone found 30 m away. The tentative track waits on the far view's next look (the
    scheduler looks again at once) until the far view misses it or it is confirmed."""
    tracker = Tracker(CONFIG, {"person"})
    x = 620.0

    def look(i: int, far: bool, *found: Box) -> bool:
        detections = tuple(Detection("person", 0, 0.8, box, view="far", input_px=2.0)
                           for box in found)
        tracker.update(DetectionSet(i * DT, i, (1280, 720), detections, far_looked=far))
        return tracker.awaiting_far_view()

    def far_box(i: int) -> Box:
        return (x + i, 240.0, x + i + 20.0, 300.0)

    assert not look(0, False)  # nothing yet
    assert look(1, True, far_box(1))  # its first box, from the far view
    assert look(2, False)  # the full view found nothing: it could not have
    assert not look(3, True)  # the far view looked again and missed it
    assert look(4, True, far_box(4))  # found again: its second box
    assert not look(5, True, far_box(5))  # its third: confirmed, an obstacle now
    (track,) = tracker.tracks
    assert tracker.confirmed(track) and track.view == "far"
    tracker = Tracker(CONFIG, {"person"})
    tracker.update(DetectionSet(0.0, 0, (1280, 720), (Detection(
        "person", 0, 0.8, far_box(0), view="full", input_px=4.0),), far_looked=True))
    assert not tracker.awaiting_far_view()  # the full view sees it: its own rate follows it


# A far person under a hard stride (scene hard-bounce, Pi 4: 3 degrees of pitch rock at 180
# steps a minute, sampled every 0.15 s): the far and the full view's boxes alternate, and
# the stride's phase with them, so the box jumps 60-100 px up or down at every look.
HARD_STRIDE = [(0.10, "far", (635, 236, 655, 292)), (0.25, "full", (628, 297, 657, 347)),
               (0.40, "far", (623, 212, 646, 277)), (0.55, "full", (626, 307, 658, 358)),
               (0.70, "far", (631, 204, 656, 274)), (0.85, "full", (626, 301, 656, 361)),
               (1.00, "far", (625, 213, 649, 289)), (1.15, "full", (623, 278, 659, 351))]


def _stride(tracker: Tracker, looks: list[tuple[float, str, tuple[int, ...]]],
            appearance: tuple[float, ...] | None = None) -> None:
    for n, (t, view, box) in enumerate(looks):
        det = Detection("person", 0, 0.7, tuple(map(float, box)), view=view,
                        input_px=1.54 if view == "far" else 4.0, appearance=appearance)
        tracker.update(DetectionSet(t, n, (1280, 720), (det,)))


def test_a_far_person_the_stride_throws_up_and_down_stays_one_track():
    """Beyond the usual bob, but in the track's column and of its size: the same person, not
    two tracks each taking every other look (each with half the frames, and a closing speed
    learnt anew)."""
    tracker = Tracker(CONFIG, {"person"})
    _stride(tracker, HARD_STRIDE)
    (track,) = tracker.tracks
    assert track.hits == len(HARD_STRIDE)


def test_a_box_beyond_the_strides_reach_or_of_another_size_is_another_object():
    """The same column, but 170 px below the last look (more than any stride's rock), or
    within the rock's reach but half the size (a child just below the box): a new track."""
    for box in ((623.0, 448.0, 659.0, 521.0), (633.0, 350.0, 652.0, 390.0)):
        tracker = Tracker(CONFIG, {"person"})
        _stride(tracker, HARD_STRIDE)
        det = Detection("person", 0, 0.7, box, view="full", input_px=4.0)
        tracker.update(DetectionSet(1.3, 9, (1280, 720), (det,)))
        assert len(tracker.tracks) == 2


def test_a_box_the_stride_could_have_thrown_that_looks_like_someone_else_is_someone_else():
    """A crowd seen from a wall: a walker's box missed, and another walker's box in his column
    a stride's rock below. Their colours differ (Hellinger distance 0.6): a new track."""
    red, blue = (0.7, 0.1, 0.1, 0.1), (0.1, 0.1, 0.1, 0.7)
    tracker = Tracker(CONFIG, {"person"})
    _stride(tracker, HARD_STRIDE[:3], appearance=red)
    _stride(tracker, [(0.55, "full", (626, 307, 658, 358))], appearance=blue)
    assert len(tracker.tracks) == 2


# --- weak boxes (DetectionSet.weak: the far view's boxes below the model's threshold) --------

SURE = 0.3  # the model's threshold (YOLOX-Nano's in the catalog)


def _weighed(tracker: Tracker, i: int, sure: tuple[Box, ...] = (),
             weak: tuple[Box, ...] = (), score: float = 0.6, weak_score: float = 0.15) -> None:
    tracker.update(DetectionSet(
        i * DT, i, FRAME, tuple(Detection("car", 2, score, box) for box in sure),
        weak=tuple(Detection("car", 2, weak_score, box, view="far") for box in weak),
        sure_score=SURE))


def _far_car(i: int) -> Box:
    """A car 40 m away closing: 26 px wide, growing 4 % a frame."""
    w = 26.0 * 1.04 ** i
    return (400.0 - w / 2, 300.0 - w / 3, 400.0 + w / 2, 300.0 + w / 3)


def test_a_far_object_the_detector_was_unsure_of_is_an_obstacle_on_its_first_sure_box():
    """car-in-path on a Pi 4: the far view scored the car 0.18 and 0.15 at 42 m, then 0.6 at
    33 m. Those weak boxes and the sure one are three boxes and evidence enough (0.93 against
    3 x 0.3): an obstacle on its first sure box, with the growth of all three. Without them it
    took two more sure boxes, 0.45 s."""
    tracker = Tracker(CONFIG, {"car"})
    _weighed(tracker, 0, weak=(_far_car(0),), weak_score=0.18)
    _weighed(tracker, 1, weak=(_far_car(1),), weak_score=0.15)
    assert len(tracker.tracks) == 1 and not tracker.confirmed(tracker.tracks[0])
    _weighed(tracker, 2, sure=(_far_car(2),))
    (track,) = tracker.tracks
    assert tracker.confirmed(track) and track.hits == 3 and track.sure_hits == 1
    assert track.growth_rate > 0


def test_weak_boxes_alone_never_make_an_obstacle_nor_too_little_evidence():
    """Ten weak boxes (a far dog on every frame, or a crowd's clutter) are no obstacle; nor
    are three boxes whose scores fall short of three sure ones (0.1 + 0.1 + 0.35)."""
    tracker = Tracker(CONFIG, {"car"})
    for i in range(10):
        _weighed(tracker, i, weak=(_far_car(i),), weak_score=0.2)
    (track,) = tracker.tracks
    assert track.hits == 10 and not tracker.confirmed(track)

    short = Tracker(CONFIG, {"car"})
    _weighed(short, 0, weak=(_far_car(0),), weak_score=0.1)
    _weighed(short, 1, weak=(_far_car(1),), weak_score=0.1)
    _weighed(short, 2, sure=(_far_car(2),), score=0.35)
    assert not short.confirmed(short.tracks[0])
    _weighed(short, 3, sure=(_far_car(3),), score=0.35)
    assert short.confirmed(short.tracks[0])  # 0.9: as three sure boxes at the threshold


def test_three_sure_boxes_at_the_threshold_itself_confirm_as_ever():
    tracker = Tracker(CONFIG, {"car"})
    for i in range(3):
        _weighed(tracker, i, sure=(_far_car(i),), score=SURE)
    assert tracker.confirmed(tracker.tracks[0])


def test_a_run_of_weak_boxes_is_not_continued_by_a_box_of_another_size():
    """close_crossers_street: a far walker's weak boxes, then a passer-by's sure box where he
    was, 1.7 times his height. Taken as his, it would be an obstacle at once, growing 1.1 a
    second: it is another object, and starts its own track."""
    tracker = Tracker(CONFIG, {"car"})
    _weighed(tracker, 0, weak=(_far_car(0),))
    _weighed(tracker, 1, weak=(_far_car(1),))
    x1, y1, x2, y2 = _far_car(2)
    bigger = (x1, y1 - 0.7 * (y2 - y1), x2 + 0.7 * (x2 - x1), y2)
    _weighed(tracker, 2, sure=(bigger,))
    assert len(tracker.tracks) == 2 and not any(tracker.confirmed(t) for t in tracker.tracks)


def test_an_obstacle_is_carried_on_by_sure_boxes_only():
    """A weak box where an obstacle is predicted does not update it (weak boxes carrying
    obstacles held people's tracks on their neighbours' and partial boxes, on the footage);
    nor does it take a sure box from it later."""
    tracker = Tracker(CONFIG, {"car"})
    for i in range(3):
        _weighed(tracker, i, sure=(_far_car(i),))
    (track,) = tracker.tracks
    _weighed(tracker, 3, weak=(_far_car(3),))
    assert track.hits == 3 and track.t == 2 * DT
    _weighed(tracker, 4, sure=(_far_car(4),))
    assert track.hits == 4 and track.t == 4 * DT


def test_the_first_sure_box_places_a_track_weak_boxes_began():
    """dusk, mirrored, Pi 4: a far cyclist's weak box (14 px wide, 7 input pixels), then sure
    boxes 0.3 s apart. Differenced from the weak box's coarse place, a sideways speed led the
    track off him, and his next sure box started another track. Placed afresh by the first
    sure box, the track takes the next one."""
    tracker = Tracker(CONFIG, {"person"})

    def boxes(i: int, sure: tuple[Box, ...] = (), weak: tuple[Box, ...] = ()) -> None:
        tracker.update(DetectionSet(
            i * 0.15, i, (1280, 720), tuple(Detection("person", 0, 0.6, b) for b in sure),
            weak=tuple(Detection("person", 0, 0.23, b, view="far") for b in weak),
            sure_score=SURE))

    boxes(0, weak=((629.0, 254.0, 643.0, 299.0),))
    boxes(2, sure=((633.0, 245.0, 649.0, 293.0),))
    boxes(4, sure=((628.0, 247.0, 646.0, 295.0),))
    (track,) = tracker.tracks
    assert track.hits == 3 and track.sure_hits == 2
