"""Rangefinder fusion on a synthetic trace: realistic noise, dropouts and spikes, a 15 degree
beam, and two people of whom only one is in the beam."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from rearguard.config import load_config
from rearguard.config.lens import camera_intrinsics
from rearguard.core.world import WorldModel
from rearguard.messages import Detection, DetectionSet, ObstacleSource, RangeReading
from tests.tracking.simulation import Scene

CONFIG = load_config(None)  # one HC-SR04 "rear": beam 15 degrees, straight back, 4 m
K = camera_intrinsics(CONFIG.camera).scaled_to(640, 360)
HEIGHTS = {"person": 1.7}
# A walks straight at the runner; B is nearer but 25 degrees to the side, outside the beam.
A = Scene("person", 1.7, 0.5, 2.0, start_m=8.0, lateral_m=0.0, seed=1)
B_BEARING = math.radians(25)
B = Scene("person", 1.7, 0.5, 2.0, start_m=7.0, lateral_m=7.0 * math.tan(B_BEARING), seed=2)


def hcsr04_trace(scene: Scene, rate_hz=15.0, seconds=3.0, seed=5):
    """Readings of ``scene``'s object: 1 cm + 1 % noise, 10 % no echo, 5 % stray spikes."""
    rng = np.random.default_rng(seed)
    readings = []
    for k in range(int(seconds * rate_hz)):
        t = k / rate_hz + 0.013
        truth = scene.distance_at(t)
        roll = rng.random()
        if roll < 0.10 or truth > 4.0:
            distance = None
        elif roll < 0.15:
            distance = float(rng.uniform(0.3, 3.9))
        else:
            distance = truth + rng.normal(0, 0.01 + 0.01 * truth)
        readings.append(RangeReading(t, "rear", distance))
    return readings


def merged_detections(seconds=3.0):
    a, b = list(A.detections(K, drop_every=1000)), list(B.detections(K, drop_every=1000))
    b_at = {ds.t: ds for ds in b}
    for ds in a:
        if ds.t > seconds:
            break
        other = b_at.get(ds.t)
        yield DetectionSet(ds.t, ds.frame_index, ds.frame_size,
                           ds.detections + (other.detections if other else ()))


def test_echoes_correct_the_track_in_the_beam_and_never_the_other():
    world = WorldModel(CONFIG, HEIGHTS)
    inputs = [(ds.t, 1, ds) for ds in merged_detections()] + \
        [(r.t, 0, r) for r in hcsr04_trace(A)]
    owners, fused_errors, camera_errors = [], [], []
    a_id = b_id = None
    for t, _, item in sorted(inputs, key=lambda x: (x[0], x[1])):
        if isinstance(item, RangeReading):
            (record,) = world.add_range(item)
            if "track" in record:
                owners.append(record["track"])
            continue
        world.add_detections(item)
        for o in world.obstacles(t):
            if o.source is ObstacleSource.RANGER:
                continue
            if abs(o.bearing_deg) < 5:
                a_id = o.track_id
                error = abs(o.distance_m - A.distance_at(t))
                (fused_errors if o.source is ObstacleSource.FUSED else camera_errors).append(error)
            else:
                b_id = o.track_id
                assert o.source is ObstacleSource.CAMERA  # never corrected by A's echoes
    assert a_id is not None and b_id is not None
    assert owners and set(owners) == {a_id}, owners
    assert len(owners) >= 10  # most valid readings inside 4 m (about 13) found their track
    assert fused_errors and max(fused_errors) < 0.1  # the echo pins the distance down


def test_an_echo_with_no_track_is_an_unknown_obstacle_and_no_echo_is_nothing():
    world = WorldModel(CONFIG, HEIGHTS)
    for k in range(10):  # a pole 1.5 m behind: the detector has no class for it
        world.add_range(RangeReading(k / 15, "rear", 1.5 + 0.005 * (-1) ** k))
    (pole,) = world.obstacles(10 / 15)
    assert pole.label == "unknown" and pole.source is ObstacleSource.RANGER
    assert abs(pole.distance_m - 1.5) < 0.02 and abs(pole.bearing_deg) < 1e-9
    quiet = WorldModel(CONFIG, HEIGHTS)
    for k in range(30):
        quiet.add_range(RangeReading(k / 15, "rear", None))
    assert quiet.obstacles(2.0) == []


def test_a_track_keeps_the_class_most_of_its_boxes_gave_it():
    """A far person read once as a "fire hydrant" stays one track, and a person."""
    from rearguard.core.tracking import Tracker
    from rearguard.messages import Detection, DetectionSet

    tracker = Tracker(CONFIG.tracking, {"person", "fire hydrant"})
    labels = ["person", "person", "fire hydrant", "person", "person"]
    for i, label in enumerate(labels):
        box = (300.0 + i, 100.0, 330.0 + i, 180.0)
        tracker.update(DetectionSet(0.1 * i, i, (640, 360), (Detection(label, 0, 0.6, box),)))
    (track,) = tracker.tracks
    assert track.label == "person" and track.hits == len(labels)


def _standing_person_with_echoes(world: WorldModel, echo_from: float, until: float):
    """A person standing 3 m straight behind, detected at 10 Hz; echoes from ``echo_from``."""
    scene = Scene("person", 1.7, 0.5, 0.0, start_m=3.0, lateral_m=0.0, edge_noise_px=0.5)
    echoes = [RangeReading(echo_from + k / 15, "rear", 3.0)
              for k in range(int((until - echo_from) * 15))]
    frames = itertools.takewhile(lambda ds: ds.t <= until, scene.detections(K, drop_every=1000))
    inputs = [(ds.t, 1, ds) for ds in frames]
    inputs += [(r.t, 0, r) for r in echoes]
    for _, _, item in sorted(inputs, key=lambda x: (x[0], x[1])):
        if isinstance(item, RangeReading):
            world.add_range(item)
        else:
            world.add_detections(item)


def test_the_first_echo_of_a_track_sets_its_distance_not_a_closing_speed():
    # The camera's distance is 40 % long (a class height that does not fit: 2.4 m for a
    # 1.7 m person) on a young track. The first echo says 3 m: the track is corrected at
    # once, and the step from 4.2 m to 3 m is not an approach (it read 0.73 m/s, above the
    # policy's min_closing_speed_mps, when the echo was folded in as a measurement).
    world = WorldModel(CONFIG, {"person": 2.4})
    _standing_person_with_echoes(world, echo_from=0.3, until=0.6)
    (track,) = [o for o in world.obstacles(0.6) if o.source is not ObstacleSource.RANGER]
    assert track.source is ObstacleSource.FUSED and abs(track.distance_m - 3.0) < 0.1
    assert track.closing_speed_mps is not None
    assert abs(track.closing_speed_mps) < CONFIG.alert.min_closing_speed_mps


def test_an_echo_whose_track_is_no_longer_reported_is_an_obstacle_of_its_own():
    # The camera stops delivering (or loses the person) while the rangefinder still hears
    # them at 3 m: the echo is reported, not hidden behind a track nobody reports any more.
    world = WorldModel(CONFIG, HEIGHTS)
    _standing_person_with_echoes(world, echo_from=0.5, until=1.0)
    for k in range(30):  # echoes only, for two seconds
        world.add_range(RangeReading(1.0 + k / 15, "rear", 3.0))
    (echo,) = world.obstacles(2.95)
    assert echo.source is ObstacleSource.RANGER and abs(echo.distance_m - 3.0) < 0.05


def test_a_box_whose_top_the_frame_cuts_changes_its_distance_cue_not_its_speed():
    # A person standing close behind, head at the top of the frame: with the top cut, the
    # distance rests on the ground alone (4.6 m here), with it whole on the height too (3.4 m
    # for a class height that does not fit). Going from one to the other and back is not
    # motion: it once read as a closing speed of a metre a second and more.
    from rearguard.messages import Detection

    world, speeds = WorldModel(CONFIG, HEIGHTS), []
    tops = [30.0] * 10 + [0.0] * 5 + [30.0] * 5
    for i, top in enumerate(tops):
        box = (560.0, top, 720.0, 500.0)
        world.add_detections(DetectionSet(0.1 * i, i, (1280, 720),
                                          (Detection("person", 0, 0.8, box),)))
        if i >= 2:  # confirmed by its third box
            (person,) = world.obstacles(0.1 * i)
            speeds.append(person.closing_speed_mps)
    assert max(abs(v) for v in speeds) < CONFIG.alert.min_closing_speed_mps, speeds


def test_an_obstacle_says_when_its_distance_was_last_measured():
    # Whole boxes, then two the frame cuts top and bottom (no distance from either cue), then
    # an echo: looks between measurements rest on the last one, and say so (the policy asks
    # two measurements, not two looks, before it believes a threat left).
    world = WorldModel(CONFIG, HEIGHTS)
    boxes = [(560.0, 60.0, 720.0, 640.0)] * 4 + [(540.0, 0.0, 740.0, 720.0)] * 2
    for i, box in enumerate(boxes):
        world.add_detections(DetectionSet(0.1 * i, i, (1280, 720),
                                          (Detection("person", 0, 0.8, box),)))
    (person,) = world.obstacles(0.55)
    assert not person.measured and person.measured_t == pytest.approx(0.3)
    echoes = [RangeReading(0.56 + k / 15, "rear", person.distance_m) for k in range(5)]
    for echo in echoes:
        world.add_range(echo)
    (person,) = [o for o in world.obstacles(0.9) if o.source is not ObstacleSource.RANGER]
    assert person.source is ObstacleSource.FUSED
    assert person.measured_t == pytest.approx(echoes[-1].t)


def test_a_class_heights_spread_is_one_error_for_the_track_not_noise_at_every_frame():
    # A 1.87 m person taken for a 1.7 m one is 10 % nearer than he is at every frame: a fixed
    # factor (the same time to contact), not noise a filter averages away. The distance's
    # frame-to-frame noise is the box edges' alone, and so a walker 14 m away, closing at
    # 2 m/s, is timed within 1.5 s (counting the spread at every frame, it was not yet).
    from rearguard.core.geometry import HEIGHT_SPREAD, combine, distance_from_height

    box = (600.0, 200.0, 640.0, 300.0)
    by_height = distance_from_height(K, box, 1.7, edge_px=1.0)
    assert by_height.noise < by_height.sigma
    assert abs(by_height.noise - by_height.metres * 2 * 1.0 / 100) < 1e-9
    assert by_height.sigma > by_height.metres * HEIGHT_SPREAD
    assert combine(by_height).noise == by_height.noise

    tall = Scene("person", 1.87, 0.5, 2.0, start_m=14.0, lateral_m=0.0, edge_noise_px=0.5)
    world = WorldModel(CONFIG, HEIGHTS)
    for ds in itertools.takewhile(lambda ds: ds.t <= 1.5, tall.detections(K, drop_every=1000)):
        world.add_detections(ds)
    (walker,) = world.obstacles(1.5)
    assert abs(walker.closing_speed_mps - 2.0 * 1.7 / 1.87) < 0.4
    truth = tall.distance_at(1.5) / 2.0
    assert walker.time_to_contact_s is not None
    assert abs(walker.time_to_contact_s - truth) < 0.2 * truth


def test_an_echo_between_frames_does_not_stop_a_crossing_person():
    # A person crossing the path 3.5 m behind at 1.2 m/s, seen at 5 Hz. An echo between two
    # frames moves the track's filters on to its own time, and the sideways speed's sigma
    # grows with the time unseen; that must not read as "no sideways speed" (the gait's sway),
    # which put a person crossing scene crosser (Pi 4) in the path, DANGER 1 s before
    # they had gone by. The crossing is judged on what was measured.
    from dataclasses import replace

    from rearguard.messages import Detection

    world = WorldModel(CONFIG, HEIGHTS)
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    walker = Scene("person", 1.7, 0.5, 0.0, start_m=3.5, lateral_m=0.0)
    for i in range(7):
        t = 0.2 * i
        box = replace(walker, lateral_m=-1.68 + 1.2 * t).project(k, t)
        world.add_detections(DetectionSet(t, i, (1280, 720),
                                          (Detection("person", 0, 0.8, box),)))
    last = 1.65  # two echoes at 15 Hz (the second confirms the first), 0.45 s after a frame
    (before,) = world.obstacles(last)
    for t in (last - 1 / 15, last):
        world.add_range(RangeReading(t, "rear", 3.5))
    (after,) = [o for o in world.obstacles(last) if o.source is not ObstacleSource.RANGER]
    assert after.source is ObstacleSource.FUSED
    assert before.lateral_speed_mps > 0.8
    assert after.lateral_speed_mps == before.lateral_speed_mps



def test_a_young_track_is_timed_by_its_pixels_not_by_a_distance_differenced_from_a_jump():
    """A walker standing 20 m away, seen three times (confirmed) with his pixels measuring no
    growth; on the fourth look, 0.6 s later, the track takes a box that puts him at 14.5 m
    (another person's, lower in the frame): "closing at 9 m/s" by the distance, which four
    boxes cannot settle. His pixels say nothing of the kind: no time to contact."""
    from rearguard.messages import Detection

    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    standing, other = Scene("person", 1.7, 0.5, 0.0, start_m=20.0), \
        Scene("person", 1.7, 0.5, 0.0, start_m=14.5)
    looks = [(0.0, standing, 0.0), (0.3, standing, 0.0), (0.6, standing, 0.0),
             (1.2, other, 0.5)]
    for n, (t, scene, growth) in enumerate(looks):
        box = scene.project(k, t)
        det = Detection("person", 0, 0.8, box, growth=growth, growth_sigma=0.35)
        world.add_detections(DetectionSet(t, n, (k.width, k.height), (det,)))
    (obstacle,) = world.obstacles(1.2)
    assert obstacle.distance_m < 17.0 and obstacle.closing_speed_mps > 4.0  # the jump
    assert obstacle.time_to_contact_s is None


def test_between_two_looks_the_time_to_contact_counts_down_and_keeps_its_cues():
    """A car coming from 40 m at 10 m/s, seen every 0.15 s, its pixels reading a growth rate
    anywhere from right to twice too fast. Its box's growth and its distance are checked
    against each other; each prediction runs on at its own speed, so judged at the moment
    asked the same two measurements passed at one moment and failed 0.05 s later: a car
    timed at 1.5 s read 3.1 s between two frames, and the runner's WARNING dropped to
    CAUTION (scene car-in-path, Pi 5, another noise seed). Between two looks the time to
    contact counts down a second per second, whichever cues it rests on."""
    from rearguard.messages import Detection

    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    car = Scene("car", 1.5, 1.8, 10.0, start_m=40.0)
    for growth in np.linspace(0.25, 0.75, 21):
        world = WorldModel(replace(CONFIG, rangefinders=[]), {"car": 1.5})
        for n in range(8):
            t = 0.15 * n
            det = Detection("car", 2, 0.8, car.project(k, t), growth=float(growth),
                            growth_sigma=0.1)
            world.add_detections(DetectionSet(t, n, (k.width, k.height), (det,)))
        seen = 0.15 * 7
        (at_look,) = world.obstacles(seen)
        for later in (0.05, 0.1, 0.14):
            (o,) = world.obstacles(seen + later)
            if at_look.time_to_contact_s is None:
                assert o.time_to_contact_s is None, growth
                continue
            assert o.time_to_contact_s is not None, growth
            assert abs(o.time_to_contact_s - (at_look.time_to_contact_s - later)) < 0.05, growth


def test_a_dog_read_as_other_animals_is_one_obstacle_from_its_third_look():
    """YOLOX at 320 px reads a dog 20 m away as a sheep, then a dog, then a cow (scene
    dog-in-path): every look counts towards the one track, which is an obstacle by the
    third, timed as a dog."""
    from rearguard.detection import model_spec
    from rearguard.messages import Detection

    heights = model_spec("yolox_nano_416").obstacle_heights
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), heights)
    for n, label in enumerate(["sheep", "dog", "cow", "dog"]):
        t = 0.15 * n
        d = 20.0 - 8.0 * t  # running at 5 m/s at a runner doing 3 m/s
        h, w = k.fy * 0.55 / d, k.fx * 0.8 / d
        box = (640.0 - w / 2, 330.0 - h, 640.0 + w / 2, 330.0)
        det = Detection(label, 0, 0.4 + 0.05 * (label == "dog"), box)
        world.add_detections(DetectionSet(t, n, (k.width, k.height), (det,)))
        if n == 2:
            (obstacle,) = world.obstacles(t)
    assert len(world.tracker.tracks) == 1
    (later,) = world.obstacles(0.45)
    assert obstacle.track_id == later.track_id and later.label == "dog"


def test_a_distance_the_rangefinder_measures_is_not_voided_by_slow_pixel_growth():
    """A walker closing at 1.8 m/s, 1.8 m away, in the rangefinder's beam: his distance is the
    echo's. His pixels, filling the frame and cut by it, read a growth of 0.35/s where 0.9 is
    true. A distance that falls faster than the image grows is a box bottom that slid when the
    distance is a box's; an echo is no box. The time to contact stays the echo's (scene
    busy-path-20s, Pi 5, another noise seed: 0.7 s read 1.6 s frame by frame, DANGER ->
    WARNING -> DANGER at 1.9 m)."""
    from rearguard.messages import Detection

    walker = Scene("person", 1.7, 0.5, 1.8, start_m=4.5)
    world = WorldModel(CONFIG, HEIGHTS)
    readings = iter(hcsr04_trace(walker, seconds=1.5, seed=11))
    reading = next(readings)
    for n in range(16):
        t = 0.1 * n
        while reading is not None and reading.t <= t:
            world.add_range(reading)
            reading = next(readings, None)
        box = walker.project(K, t)
        det = Detection("person", 0, 0.8, box, growth=0.35, growth_sigma=0.05)
        world.add_detections(DetectionSet(t, n, (K.width, K.height), (det,)))
    (camera,) = [o for o in world.obstacles(1.5) if o.source is not ObstacleSource.RANGER]
    true_ttc = (walker.distance_at(1.5) - CONFIG.alert.contact_margin_m) / 1.8  # 0.44 s
    assert camera.source is ObstacleSource.FUSED
    assert camera.time_to_contact_s is not None
    assert abs(camera.time_to_contact_s - true_ttc) < 0.3


def test_a_few_echoes_do_not_time_a_track_against_its_pixels():
    """The walker of the test above, his pixels again growing at 0.35/s, but only the last two
    echoes on him (the first of which sets his distance): a closing speed from a few echoes is
    noise, as for the rangefinder's own obstacles (a person stepping into the beam close in
    front of the camera is a step, not an approach: close_crossers_street at --speed 2 gave a
    false DANGER when any fused distance was exempt). The distance that falls faster than his
    image grows is then a box's, and gives no time to contact."""
    from rearguard.messages import Detection

    walker = Scene("person", 1.7, 0.5, 1.8, start_m=4.5)
    world = WorldModel(CONFIG, HEIGHTS)
    for n in range(16):
        t = 0.1 * n
        if n >= 14:
            world.add_range(RangeReading(t - 0.05, "rear", walker.distance_at(t - 0.05)))
        det = Detection("person", 0, 0.8, walker.project(K, t), growth=0.35, growth_sigma=0.05)
        world.add_detections(DetectionSet(t, n, (K.width, K.height), (det,)))
    (camera,) = [o for o in world.obstacles(1.5) if o.source is not ObstacleSource.RANGER]
    true_ttc = (walker.distance_at(1.5) - CONFIG.alert.contact_margin_m) / 1.8
    assert camera.source is ObstacleSource.FUSED
    assert camera.time_to_contact_s is None or camera.time_to_contact_s > true_ttc + 0.5


def test_two_echoes_are_not_carried_on_by_their_closing_speed():
    """A person crossing the beam gives two echoes 60 ms apart that read 3 m/s of closing
    speed, then none: the echo stays where it was heard, not 1.5 m nearer half a second later
    (carried below danger_range_m it would be a DANGER "right behind the runner's back")."""
    world = WorldModel(CONFIG, HEIGHTS)
    world.add_range(RangeReading(1.0, "rear", 3.86))
    world.add_range(RangeReading(1.063, "rear", 3.68))
    for k in range(1, 7):
        world.add_range(RangeReading(1.063 + k / 15, "rear", None))
    (crosser,) = world.obstacles(1.45)
    assert crosser.time_to_contact_s is None
    assert abs(crosser.echo_m - 3.68) < 0.05 and abs(crosser.distance_m - 3.68) < 0.05


def test_an_approach_the_echoes_time_is_carried_through_a_dropout():
    world = WorldModel(CONFIG, HEIGHTS)
    for k in range(12):  # something the camera has no class for, closing at 2 m/s
        world.add_range(RangeReading(k / 15, "rear", 3.5 - 2.0 * k / 15))
    last = 11 / 15
    for k in range(1, 4):
        world.add_range(RangeReading(last + k / 15, "rear", None))
    (thing,) = world.obstacles(last + 0.2)
    assert thing.time_to_contact_s is not None
    assert abs(thing.echo_m - (3.5 - 2.0 * (last + 0.2))) < 0.1


def test_a_fast_newcomer_is_not_held_back_by_the_prior(monkeypatch):
    """A cyclist closing at 10 m/s from 35 m, on a camera that does not bob, boxes without
    noise at 10 Hz, no rangefinder: after 0.6 s of boxes the closing speed is most of its
    10 m/s. The prior's mean is 0, and a narrow prior (12 m/s) held it at 6 m/s there."""
    from tests.tracking import simulation

    monkeypatch.setattr(simulation, "BOB_M", 0.0)
    monkeypatch.setattr(simulation, "ROCK_DEG", 0.0)
    world = WorldModel(replace(CONFIG, rangefinders=[]), {"bicycle": 1.7})
    cyclist = Scene("bicycle", 1.7, 0.6, 10.0, start_m=35.0, edge_noise_px=0.0)
    for ds in itertools.islice(cyclist.detections(K, drop_every=1000), 7):
        world.add_detections(ds)
    (filt,) = world._distances.values()
    assert -filt.axis.rate > 7.5


def test_a_box_only_the_coasting_slack_reaches_is_no_speed():
    """A walker standing 10 m away, unseen for 0.4 s, then a box 20 % taller and 70 px lower
    that only the track's coasting slack reaches (a passer-by, or the walker again): the
    track takes it, its distance starts again from it, and the 1.6 m step is not read as a
    closing speed of 4 m/s (opencv_vtest, mirrored: a false WARNING)."""
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    standing = (300.0, 120.0, 333.0, 202.0)
    for i in range(8):
        world.add_detections(DetectionSet(i * 0.1, i, (640, 360), (
            Detection("person", 0, 0.8, standing),)))
    lower = (298.0, 181.0, 337.0, 279.0)
    world.add_detections(DetectionSet(1.1, 11, (640, 360), (Detection("person", 0, 0.8, lower),)))
    (track,) = world.tracker.tracks
    assert track.hits == 9 and track.reacquired
    (filt,) = world._distances.values()
    assert abs(filt.axis.rate) < 1.0


@pytest.mark.parametrize("at_edge", [False, True])
def test_a_part_box_keeps_the_distance_a_takeover_voids(at_edge):
    """A walker 10 m away going away at 0.5 m/s, seen at 10 Hz; then one box of his upper
    half only (the rest hidden, or missed). It lies where he was predicted and is smaller: a
    part of him. His distance and its speed stand, and that box gives none (it would put him
    twice as far). At the frame's edge, the same box is what the frame left of an object, as
    ever: the distance restarts."""
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    walker = Scene("person", 1.7, 0.5, -0.5, start_m=10.0)
    shift = 616.0 if at_edge else 0.0  # his box's right edge 1-3 px from the frame's
    for n in range(21):
        t = n / 10
        x1, y1, x2, y2 = walker.project(k, t)
        box = (x1 + shift, y1, x2 + shift, y2)
        if n == 20:
            box = (box[0], box[1], box[2], (box[1] + box[3]) / 2)  # his upper half
        world.add_detections(DetectionSet(t, n, (1280, 720),
                                          (Detection("person", 0, 0.8, box),)))
    (track,) = world.tracker.tracks
    assert track.jumped and track.part is not at_edge
    (walker_now,) = world.obstacles(2.0)
    if at_edge:
        assert walker_now.closing_sigma_mps > 10  # restarted: what a takeover calls for
        return
    assert not walker_now.measured
    assert walker_now.distance_m == pytest.approx(walker.distance_at(2.0), rel=0.1)
    assert walker_now.closing_speed_mps < 0 and walker_now.closing_sigma_mps < 1.0


def _far_walker_with_one_tall_box(world: WorldModel, k, fine_after: bool = False,
                                  tall: float = 1.28) -> float:
    """A walker closing at 1.8 m/s from 28 m, seen at 10 Hz by a full view of 416 px (3.08
    frame px per input px: his box 18-20 input px tall); his pixels grow as they should
    (0.07/s, +- 0.1). The box at 1.1 s is ``tall`` times too tall (a low-score box, as the full
    view gives a person that small). ``fine_after``: a far view's box of him follows at 1.15 s, at
    twice the full view's resolution (about 40 input px tall). Returns the time of the last
    look."""
    walker = Scene("person", 1.7, 0.5, 1.8, start_m=28.0)
    looks = [(n / 10, 1280 / 416) for n in range(12)]
    if fine_after:
        looks.append((1.15, 1280 / 416 / 2))
    t = 0.0
    for n, (t, input_px) in enumerate(looks):
        box = walker.project(k, t)
        if n == 11:
            box = (box[0], box[1], box[2], box[1] + tall * (box[3] - box[1]))
        growth = 1.8 / walker.distance_at(t)
        det = Detection("person", 0, 0.6, box, growth=growth, growth_sigma=0.1,
                        input_px=input_px)
        world.add_detections(DetectionSet(t, n, (k.width, k.height), (det,)))
    return t


@pytest.mark.parametrize("weighed", [True, False])
def test_a_far_walkers_tall_box_is_no_fast_approach_when_his_pixels_barely_grow(
        weighed, monkeypatch):
    """Boxes a few input pixels tall have heavy-tailed edges; the closing speed their distances
    give is weighed with the one his own pixels imply, so one tall box is not an approach at
    5-8 m/s (busy-path-20s, mirrored, Pi 5: a WARNING 15 s before the walker came). Without the
    weighing (boxes counted as large) the same looks give a time to contact within a CAUTION's
    reach: the test can fail."""
    import rearguard.core.world as world_module

    if not weighed:
        monkeypatch.setattr(world_module, "SMALL_BOX_INPUT_PX", 0.0)
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    t = _far_walker_with_one_tall_box(world, k)
    (obstacle,) = world.obstacles(t)
    assert obstacle.closing_speed_mps > 4.0  # his distances alone: closing at 5.5 m/s
    ttc, sigma = obstacle.time_to_contact_s, obstacle.time_to_contact_sigma_s
    soonest = math.inf if ttc is None else ttc - CONFIG.alert.warning_sigmas * sigma
    # He is 14 s away; weighed, the soonest plausible contact is beyond even a CAUTION's.
    assert (soonest > CONFIG.alert.caution_ttc_s) is weighed


def _two_looks(growths: tuple[float, float], sigma: float) -> list:
    """A dog 7.4 m and then 6.2 m away (8 m/s, looks 0.15 s apart, a Pi 4's), whose second
    box carries a growth its own pixels measured: the obstacles after the second look."""
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), {"dog": 0.6})
    dog = Scene("dog", 0.6, 0.8, 8.0, start_m=7.4)
    for n, (t, growth) in enumerate(zip((0.0, 0.15), growths, strict=True)):
        det = Detection("dog", 16, 0.5, dog.project(k, t), growth=growth, growth_sigma=sigma)
        world.add_detections(DetectionSet(t, n, (k.width, k.height), (det,)))
    return world.obstacles(0.15)


def test_an_object_whose_pixels_show_it_arriving_is_an_obstacle_from_its_second_box():
    """Three boxes would come too late: the dog is 0.8 s from the lens. Its pixels grow at
    1.3 +- 0.06 a second, clear of their noise, a time to contact under the DANGER time."""
    (dog,) = _two_looks((None, 1.3), 0.06)
    assert dog.time_to_contact_s is not None and dog.time_to_contact_s < 1.0


def test_two_boxes_whose_pixels_do_not_clearly_show_an_arrival_are_no_obstacle_yet():
    """The same boxes, with a measurement as fast but as noisy as a merged box's (1.3 +- 0.5),
    or one clear of its noise that says 2 s to contact: the track waits for its third box."""
    assert _two_looks((None, 1.3), 0.5) == []
    assert _two_looks((None, 0.5), 0.06) == []


@pytest.mark.parametrize("remembered", [True, False])
def test_a_fine_box_after_a_tall_coarse_one_does_not_make_its_speed_trustworthy(
        remembered, monkeypatch):
    """The far view's box after the full view's box 40 % too tall is large in its input, but the
    distance filter still carries the tall box's speed: it is weighed with the walker's pixels
    for a while yet (busy-path-20s, Pi 5, another noise seed: a WARNING 15 s before the walker
    came). Forgotten at once, the same looks give a time to contact within a CAUTION's reach."""
    import rearguard.core.world as world_module

    if not remembered:
        monkeypatch.setattr(world_module, "COARSE_MEMORY_S", -1.0)
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    t = _far_walker_with_one_tall_box(world, k, fine_after=True, tall=1.4)
    (obstacle,) = world.obstacles(t)
    assert not world_module._small_in_input(world.tracker.tracks[0])
    ttc, sigma = obstacle.time_to_contact_s, obstacle.time_to_contact_sigma_s
    soonest = math.inf if ttc is None else ttc - CONFIG.alert.warning_sigmas * sigma
    assert (soonest > CONFIG.alert.caution_ttc_s) is remembered


def test_a_car_beside_the_path_keeps_its_offset_when_the_frame_cuts_it_as_it_passes():
    """The runner comes up on a car parked 2.2 m beside the path. Close, the frame's side cuts
    its box, and what is left of it (its near end) is taller than the whole car was wide: a
    size no approach reaches in one look, which restarts its distance. Where it is sideways
    stands: the frame, not another object, changed its box. It stays beside the path
    (busy-path-20s: a parked car that lost its offset was carried into the path by its
    distance, and given DANGER as the runner passed it)."""
    from rearguard.core.policy import assess
    from rearguard.messages import AlertLevel, Detection

    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), {"car": 1.5})
    parked = Scene("car", 1.5, 1.8, 3.0, start_m=12.0, lateral_m=2.2, edge_noise_px=0.5)
    t, n, box = 0.0, 0, parked.project(k, 0.0)
    while box[2] < k.width - 10:
        world.add_detections(DetectionSet(t, n, (k.width, k.height),
                                          (Detection("car", 0, 0.8, box),)))
        t, n = t + 0.15, n + 1
        box = parked.project(k, t)
    (whole,) = world.obstacles(t - 0.15)
    assert whole.lateral_m == pytest.approx(2.2, abs=0.3)
    near_end = (box[0] + 60, 20.0, k.width, 560.0)  # its near end, taller than it was wide
    world.add_detections(DetectionSet(t, n, (k.width, k.height),
                                      (Detection("car", 0, 0.8, near_end),)))
    assert world.tracker.tracks[0].jumped
    for later in (t, t + 0.5):  # its distance, carried on towards the lens, does not move it
        (cut,) = world.obstacles(later)
        assert cut.lateral_m == pytest.approx(whole.lateral_m, abs=0.3)
        assert assess(cut, CONFIG.alert).level <= AlertLevel.CAUTION


def test_weak_boxes_do_not_count_towards_the_boxes_that_settle_a_tracks_rates():
    """A walker coming at 2 m/s from 14 m, no pixel growth measured: rates settle after five
    sure boxes. Two weak boxes before them (the far view unsure of him) gather evidence, not
    rates: a weak box's edges are coarse (close_crossers_street at --speed 2: counted, one let
    a crossing car's growing boxes time it at 0.12 s)."""
    k = camera_intrinsics(CONFIG.camera).scaled_to(1280, 720)
    world = WorldModel(replace(CONFIG, rangefinders=[]), HEIGHTS)
    walker = Scene("person", 1.7, 0.5, 2.0, start_m=14.0)
    timed = []
    for n in range(7):
        t = 0.3 * n
        det = Detection("person", 0, 0.15 if n < 2 else 0.8, walker.project(k, t), view="far")
        sure, weak = ((), (det,)) if n < 2 else ((det,), ())
        world.add_detections(DetectionSet(t, n, (k.width, k.height), sure, weak=weak,
                                          sure_score=0.3))
        timed.append(any(o.time_to_contact_s for o in world.obstacles(t)))
    assert timed == [False] * 6 + [True]  # five boxes at n = 4, five sure ones at n = 6
