"""The far view: where its window sits, how its boxes come back to frame pixels, how the two
views merge, and that it finds far people the full view misses (real model, real footage)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from rearguard.boards import board_profile
from rearguard.cli import main
from rearguard.config import load_config
from rearguard.config.schema import DetectorConfig, FarViewConfig, MountingConfig
from rearguard.core.geometry import CameraIntrinsics, distance_from_height, lens_intrinsics
from rearguard.detection import open_detector
from rearguard.detection.farview import (
    LOOK_AGAIN_IN_ROW,
    Crop,
    ViewScheduler,
    far_crop,
    far_to_frame,
    far_window,
    merge,
    threat_near,
)
from rearguard.detection.recall import far_recall, occlusion, place
from rearguard.messages import Detection, DetectionSet, Frame, Obstacle, ObstacleSource

K720 = lens_intrinsics("cm3-normal").scaled_to(1280, 720)


def test_the_window_is_centred_on_the_vanishing_point_from_the_pitch():
    level = far_crop((1280, 720), K720, MountingConfig(pitch_deg=0.0), (640, 360))
    assert level == Crop(320, 180, 640, 360)  # looking level: the horizon is the centre row
    down = far_crop((1280, 720), K720, MountingConfig(pitch_deg=5.0), (640, 360))
    horizon = 360 - K720.fy * math.tan(math.radians(5.0))  # 278: above the centre
    assert down.y + down.height / 2 == pytest.approx(horizon, abs=1)
    steep = far_crop((1280, 720), K720, MountingConfig(pitch_deg=30.0), (640, 360))
    assert steep.y == 0  # the horizon is off the top: the window stays inside the frame
    assert far_crop((640, 360), lens_intrinsics("cm3-normal"), MountingConfig(), (320, 180)) \
        == Crop(160, 49, 320, 180)  # any resolution: the lens is scaled to the frame
    assert far_crop((1, 1), K720, MountingConfig(), (1, 1)) == Crop(0, 0, 1, 1)


NARROW = FarViewConfig(window_width=0.45, window_height=0.36)


def test_a_narrowed_window_is_the_far_end_of_the_path_fed_at_its_own_size():
    """A Pi 4's 320 input shrinks a 1280x720 frame 4 times; the far view shrinks its window 2
    times (zoom 2). Narrowed to 0.45 x 0.36 of the frame, cut to whole input steps, the
    window is 576x256 frame pixels fed as 288x128, 60 % of the full view's 320x192. Not
    narrowed (the default), and for a model of fixed input, which costs a full view whatever
    the window: 1/zoom of the frame, at the detector's own input."""
    config, level = NARROW, MountingConfig(pitch_deg=0.0)
    window = far_window((1280, 720), K720, level, config, (320, 320), 32)
    assert window.fit == (288, 128) and window.crop == Crop(352, 232, 576, 256)
    pi5 = far_window((1280, 720), K720, level, config, (416, 416), 32)
    assert pi5.fit == (352, 160)  # 0.65 of 541x246: 0.325 x 2
    assert pi5.fit[0] / pi5.crop.width == pytest.approx(2 * 416 / 1280, rel=0.01)
    fixed = far_window((1280, 720), K720, level, config, (320, 320), 0)
    assert fixed.fit is None and fixed.crop == Crop(320, 180, 640, 360)
    wide = far_window((1280, 720), K720, level, FarViewConfig(), (416, 416), 32)
    assert wide == fixed
    assert far_window((1, 1), K720, level, config, (320, 320), 32).crop == Crop(0, 0, 1, 1)
    views = ViewScheduler(config, level, K720, view_s=0.15)
    assert views.window_for((1280, 720), CountingDetector()) == window


def detection(box, score=0.5, label="person", view="full"):
    return Detection(label, 0, score, box, view)


def test_far_boxes_come_back_in_frame_pixels_and_cut_ones_are_dropped():
    crop = Crop(320, 98, 640, 360)
    found = [detection((100, 50, 120, 110)), detection((0, 40, 30, 120)),
             detection((600, 300, 640, 360))]
    (moved,) = far_to_frame(found, crop, (1280, 720))
    assert moved.box == (420, 148, 440, 208) and moved.view == "far"
    # A window at the frame's own edge does not cut: that edge is the frame's.
    edge = Crop(0, 0, 640, 360)
    assert len(far_to_frame([detection((0, 40, 30, 120))], edge, (1280, 720))) == 1


def test_a_far_box_ending_within_its_edges_wander_of_the_window_is_cut():
    """The far view's box edges wander as its input is coarse (1.54 frame px per input px for
    a 640 px window in a 416 input): a near person's upper half, ending 3 px short of the
    window's bottom, is cut by the window, not a far person; a far person 60 px tall 8 px
    short of it is whole. A large box is cut further from the edge, by a tenth of its size:
    busy-path-20s on a Pi 4, a walker 7.6 m away cut at the feet by the narrow window got a
    box 201 px tall ending 11 px above the window's bottom."""
    crop = Crop(320, 98, 640, 360)
    upper_half = replace(detection((35, 100, 430, 357)), input_px=1.54)
    whole = replace(detection((35, 292, 55, 352)), input_px=1.54)
    assert far_to_frame([upper_half], crop, (1280, 720)) == ()
    assert len(far_to_frame([whole], crop, (1280, 720))) == 1
    narrow = Crop(352, 150, 576, 256)
    walker = replace(detection((280, 44, 343, 245)), input_px=2.0)
    assert far_to_frame([walker], narrow, (1280, 720)) == ()


def test_one_box_per_object_and_the_far_view_wins_an_overlap():
    full = [detection((415, 145, 443, 210), 0.8), detection((10, 10, 200, 400), 0.9)]
    far = [detection((420, 148, 440, 208), 0.6, view="far")]
    merged = merge(full, far, 0.45)
    assert [d.view for d in merged] == ["full", "far"]  # best first
    assert merged[1].box == (420, 148, 440, 208)
    assert merge(full, (), 0.45) == tuple(full)


def test_inside_the_far_window_the_far_view_speaks_alone():
    """On a frame with both views, a full-view box wholly inside the far window is dropped even
    where it overlaps no far box enough to be merged: busy-path-20s on a Pi 4, a walker 25 m
    away (far box 64 px tall) and the full view's box around him and the pole beside him (108
    px), which the tracker took as the walker growing. A full-view box that the window cuts
    (a near person) stays: the far view cannot have seen it whole."""
    crop = Crop(320, 180, 640, 360)
    walker = detection((637, 241, 659, 305), 0.7, view="far")
    grown = detection((627, 250, 664, 359), 0.4)
    near = detection((300, 100, 500, 600), 0.9)  # crosses the window's left and top edges
    merged = merge([grown, near], [walker], 0.45, crop, (1280, 720))
    assert [d.box for d in merged] == [near.box, walker.box]
    assert merge([grown, near], [walker], 0.45) == (near, walker, grown)  # no window: IoU alone
    assert crop.holds(grown.box, (1280, 720)) and not crop.holds(near.box, (1280, 720))
    at_frame_edge = Crop(0, 0, 640, 360)  # its left and top edges are the frame's own
    assert at_frame_edge.holds((0, 0, 30, 80), (1280, 720))


def test_geometry_stays_right_far_boxes_give_the_same_distance():
    """A far-view box is in frame pixels: the distance comes out as for a full-view box."""
    person = (630.0, 240.0, 650.0, 320.0)  # 80 px tall in the 1280x720 frame
    z = distance_from_height(K720, person, 1.7).metres
    assert z == pytest.approx(K720.fy * 1.7 / 80)
    (far,) = far_to_frame([detection((310, 142, 330, 222))], Crop(320, 98, 640, 360),
                          (1280, 720))
    assert distance_from_height(K720, far.box, 1.7).metres == pytest.approx(z)


class CountingDetector:
    """A YOLOX at 320 as the scheduler sees it: the sizes of the views it was given."""

    nms_iou = 0.45
    input_size = (320, 320)
    spec = SimpleNamespace(input_stride=32, name="yolox_nano_416")

    def __init__(self):
        self.sizes = []

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.sizes.append(frame.size)
        return DetectionSet(frame.t, frame.index, frame.size, ())

    def work_fraction(self, frame_size, fit=None) -> float:
        w, h = frame_size
        r = min((fit or self.input_size)[0] / w, (fit or self.input_size)[1] / h)
        return (32 * math.ceil(w * r / 32)) * (32 * math.ceil(h * r / 32)) / 416 ** 2


FAR_WINDOW = (640, 360)  # the far view's window in a 1280x720 frame, not narrowed


def test_the_schedule_alternates_and_measures_the_view_time_live():
    views = ViewScheduler(FarViewConfig(every=2, min_full_view_hz=0.0), MountingConfig(), K720)
    detector = CountingDetector()
    image = np.zeros((720, 1280, 3), np.uint8)
    for i in range(6):
        views.detect(detector, Frame(i * 0.05, i, image))
    assert detector.sizes.count(FAR_WINDOW) == 3 and views.far_runs == 3
    assert views.view_s is not None and views.far_s is not None  # live: each view measured
    off = ViewScheduler(FarViewConfig(enabled=False), MountingConfig(), K720)
    before = len(detector.sizes)
    for i in range(2):
        off.detect(detector, Frame(i * 0.05, i, image))
    assert detector.sizes[before:] == [(1280, 720)] * 2 and off.far_runs == 0


def test_on_a_slow_board_the_far_view_has_frames_of_its_own():
    """A view of 150 ms (a Pi 4): the far view alternates with the full view instead of
    following it on the same frame; its frames give its boxes alone, in frame pixels. While
    something is near, it comes every 4th frame: the full view keeps 5 Hz on the other 3.
    A far view of 100 ms (a narrowed window) fits every 3rd frame."""
    views = ViewScheduler(FarViewConfig(every=2, min_full_view_hz=5.0), MountingConfig(), K720,
                          view_s=0.15)
    assert views.own_frame
    detector = CountingDetector()
    image = np.zeros((720, 1280, 3), np.uint8)
    sets = [views.detect(detector, Frame(i * 0.15, i, image)) for i in range(4)]
    assert detector.sizes == [(1280, 720), FAR_WINDOW] * 2
    assert views.spent_s == pytest.approx(0.15)  # the far view's frame: one view's time
    assert all(ds.frame_size == (1280, 720) for ds in sets)
    views.threat_near = True
    assert views.far_every() == 4  # 3 of 4 frames at 150 ms: 5.0 Hz of full view
    views.far_s = 0.1
    assert views.far_every() == 3  # 2 full views and a far one in 0.4 s: 5.0 Hz
    views.far_s = 0.11
    assert views.far_every() == 4  # every 3rd would be 4.9 Hz
    quick = ViewScheduler(FarViewConfig(), MountingConfig(), K720, view_s=0.056)  # a Pi 5
    assert not quick.own_frame


def test_on_a_slow_board_the_far_view_looks_again_for_what_it_alone_found():
    """A Pi 4 (150 ms a view): while the far view alone has found an object that is not an
    obstacle yet (Core.awaiting_far_view), it runs again on the next frame instead of the full
    view, which cannot see it: up to LOOK_AGAIN_IN_ROW far views in a row, then the full view
    comes whatever. Not while something is near, and not on a Pi 5, where the views share
    frames and the far view comes every second frame anyway."""
    image = np.zeros((720, 1280, 3), np.uint8)

    def schedule(views: ViewScheduler, looking: list[bool]) -> list[str]:
        detector = CountingDetector()
        for i, look in enumerate(looking):
            views.look_again = look
            views.detect(detector, Frame(i * 0.15, i, image))
        return ["far" if size == FAR_WINDOW else "full" for size in detector.sizes]

    config = FarViewConfig(every=2, min_full_view_hz=5.0)
    pi4 = ViewScheduler(config, MountingConfig(), K720, view_s=0.15)
    assert schedule(pi4, [False, False, True, True, True, False]) == \
        ["full", "far", "far", "far", "full", "far"]
    assert LOOK_AGAIN_IN_ROW == 3  # the object's first box and the two more that confirm it
    pi4 = ViewScheduler(config, MountingConfig(), K720, view_s=0.15)
    pi4.threat_near = True  # something near: the full view's rate comes first
    assert schedule(pi4, [False, True, True, True]) == ["full", "full", "full", "far"]
    pi5 = ViewScheduler(config, MountingConfig(), K720, view_s=0.056)
    assert schedule(pi5, [False, True, True, True]) == \
        ["full", "full", "far", "full", "full", "far"]  # the far view follows on its frame


def test_the_far_view_yields_to_the_full_view_only_while_something_is_near():
    """A Pi 4 (200 ms a view) keeps 5 Hz of full view while an obstacle is near; with the path
    clear the far view runs every second frame, for what comes from afar."""
    views = ViewScheduler(FarViewConfig(every=2, min_full_view_hz=5.0), MountingConfig(), K720,
                          view_s=0.2)
    assert views.far_every() == 2  # nothing near: far reach first
    views.threat_near = True
    assert views.far_every() == 0  # 5 Hz of full view leaves no room for a far view
    near = Obstacle(0.0, 1, "person", ObstacleSource.CAMERA, None, 6.0, 0.0, 1.0, 5.0)
    far = replace(near, distance_m=25.0)
    assert threat_near([far, near], 10.0) and not threat_near([far], 10.0)


@pytest.fixture(scope="module")
def yolox(assets):
    return open_detector(DetectorConfig(model="yolox_nano_416", threads=1),
                         board_profile("none"))


def test_the_far_view_finds_a_person_at_30_m_the_full_view_misses(assets, yolox):
    """zidane.jpg's right-hand man, shrunk to a 1.7 m person's height at 30 m and placed at
    the vanishing point of a 1280x720 frame: too small for the full view, found by the far
    view, in frame pixels."""
    image = cv2.imread(str(assets / "images" / "zidane.jpg"))
    man = (720, 40, 1160, 720)
    views = ViewScheduler(FarViewConfig(every=1, min_full_view_hz=0.0), MountingConfig(), K720)
    crop = views.window_for((1280, 720), yolox).crop
    target_px = K720.fy * 1.7 / 30.0  # 53 px
    frame, (box,) = place(image, [man], target_px / (man[3] - man[1]), (1280, 720),
                          (crop.x + crop.width / 2, crop.y + crop.height / 2))
    full = yolox.detect(Frame(0.0, 0, frame)).detections
    merged = views.detect(yolox, Frame(0.0, 0, frame)).detections

    def hit(found):
        from rearguard.detection.recall import matched
        return matched([box], found)[0]
    assert not hit(full)
    assert hit(merged) and any(d.view == "far" and d.label == "person" for d in merged)


def test_views_decoded_later_on_another_thread_find_what_detect_finds(assets):
    """The live loop decodes a frame's views on its pixels thread while the network runs the
    next frames: with ``keep_outputs`` set, views started earlier still decode to what
    ``detect`` finds, full and far view alike; with one buffer they would not."""
    import threading

    detector = open_detector(DetectorConfig(model="yolox_nano_416", threads=1),
                             board_profile("none"))
    views = ViewScheduler(FarViewConfig(every=1, min_full_view_hz=0.0), MountingConfig(), K720)
    crop = views.window_for((1280, 720), detector).crop
    zidane = cv2.imread(str(assets / "images" / "zidane.jpg"))
    images = [cv2.resize(cv2.imread(str(assets / "images" / name)), (1280, 720))
              for name in ("bus.jpg", "street.png")]
    for metres in (20.0, 30.0):  # zidane's right-hand man, far: the far view finds him
        scale = K720.fy * 1.7 / metres / 680
        images.append(place(zidane, [(720, 40, 1160, 720)], scale, (1280, 720),
                            (crop.x + crop.width / 2, crop.y + crop.height / 2))[0])
    frames = [Frame(0.1 * i, i, image) for i, image in enumerate(images)]
    expected = [views.detect(detector, f).detections for f in frames]
    assert all(expected) and any(d.view == "far" for found in expected for d in found)

    detector.keep_outputs = 2 * len(frames)  # two views a frame, of one input shape here
    started = [views.start(detector, f) for f in frames]  # the network runs all four first
    decoded: list = []
    thread = threading.Thread(target=lambda: decoded.extend(s.decoded() for s in started))
    thread.start()
    thread.join()
    assert [d.detections for d in decoded] == expected

    detector.keep_outputs = 2  # the default, one frame's views: later frames overwrote them
    started = [views.start(detector, f) for f in frames]
    assert [s.decoded().detections for s in started][:-1] != expected[:-1]


def test_far_recall_on_the_ground_truth_sequences(assets, yolox, capsys):
    """A slice of `rearguard bench`'s far recall (every 12th annotated frame): the far view
    beats the full view at 20 m and clearly at 25 m."""
    config = load_config(None)
    views = ViewScheduler.for_config(config)
    result = far_recall(yolox, views, (1280, 720), K720.fy, [20.0, 25.0],
                        assets / "footage", every=12)
    for z, margin in (("20", 0.05), ("25", 0.1)):
        r = result[z]
        assert r["people"] >= 40 and r["far"] >= r["full"] + margin and r["merged"] >= 0.8
        # People others hide are fewer, and found more often.
        assert 0 < r["people_unoccluded"] < r["people"]
        assert r["merged_unoccluded"] >= r["merged"]
    with capsys.disabled():
        print(f"\n  far recall (every 12th frame): {json.dumps(result)}")


def test_detect_reports_both_views_merged_in_image_pixels(assets, tmp_path, capsys):
    config = tmp_path / "level.toml"
    config.write_text("[mounting]\npitch_deg = 0.0\n[board]\nprofile = \"none\"\n")
    image = cv2.imread(str(assets / "images" / "zidane.jpg"))
    man = (720, 40, 1160, 720)
    k = CameraIntrinsics(K720.fx, K720.fy, 640, 360, 1280, 720)
    frame, _ = place(image, [man], k.fy * 1.7 / 30.0 / 680, (1280, 720), (640, 360))
    photo = tmp_path / "far.png"
    cv2.imwrite(str(photo), frame)
    assert main(["detect", str(photo), "--config", str(config), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["far_view"] == [320, 180, 960, 540]  # board "none": quick, the wide window
    far_people = [d for d in out["detections"] if d["view"] == "far" and d["label"] == "person"]
    assert far_people and all(d["box"][0] >= 320 and d["box"][2] <= 960 for d in far_people)
    assert main(["detect", str(photo), "--config", str(config), "--json",
                 "--no-far-view"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["far_view"] is None and all(d["view"] == "full" for d in out["detections"])
    pi4 = tmp_path / "pi4.toml"  # a Pi 4 with the far view's window narrowed
    pi4.write_text("[mounting]\npitch_deg = 0.0\n[board]\nprofile = \"pi4\"\n"
                   "[far_view]\nwindow_width = 0.45\nwindow_height = 0.36\n")
    frame, _ = place(image, [man], k.fy * 1.7 / 20.0 / 680, (1280, 720), (640, 360))
    cv2.imwrite(str(photo), frame)  # 20 m: 40 px in the Pi 4's far view (320 input)
    assert main(["detect", str(photo), "--config", str(pi4), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["far_view"] == [352, 232, 928, 488]
    assert any(d["view"] == "far" and d["label"] == "person" for d in out["detections"])


def test_the_camera_hands_the_main_stream_on_when_the_far_view_is_on():
    from rearguard.devices import factory

    config = load_config(None)
    camera = factory.open_camera(config, factory.simulation(config))
    assert camera.read().size == (1280, 720)
    camera.close()
    off = replace(config, far_view=replace(config.far_view, enabled=False))
    camera = factory.open_camera(off, factory.simulation(off))
    assert camera.read().size == (640, 360)
    camera.close()


def test_replay_of_a_recording_cuts_the_same_window_as_the_device(tmp_path):
    """The recorder stores the main stream and its intrinsics at that size (cli/run.py); the
    window replay cuts from them is the one the live loop cut from the configured lens."""
    from rearguard.drive.replay import session_intrinsics
    from rearguard.session import SessionWriter, open_session

    config = load_config(None)
    live = ViewScheduler.for_config(config).window_for((1280, 720), CountingDetector())
    k = lens_intrinsics(config.camera.lens).scaled_to(1280, 720)
    meta = {"camera": {"fx": k.fx, "fy": k.fy, "cx": k.cx, "cy": k.cy, "width": 1280,
                       "height": 720}}
    with SessionWriter(tmp_path / "s", meta) as writer:
        writer.add_frame(Frame(0.0, 0, np.zeros((720, 1280, 3), np.uint8)))
    session = open_session(tmp_path / "s")
    replayed = ViewScheduler.for_config(config, session_intrinsics(session))
    assert replayed.window_for((1280, 720), CountingDetector()) == live


def test_a_box_from_a_coarser_view_gives_a_less_certain_distance(assets):
    """The full view at 320 px sees a 1280 px frame at 4 frame pixels per input pixel, its far
    view at 2: the same box is a coarser measurement from the full view, and the distance
    says so; the detector stamps each detection with its view's scale."""
    from rearguard.core.geometry import box_edge_px

    box = (620.0, 300.0, 650.0, 360.0)  # a person about 20 m away
    full = distance_from_height(K720, box, 1.7, box_edge_px(4.0))
    far = distance_from_height(K720, box, 1.7, box_edge_px(2.0))
    assert full.metres == far.metres and full.sigma > far.sigma
    detector = open_detector(DetectorConfig(model="yolox_nano_416", input_size=320),
                             board_profile("none"))
    assert detector.input_px((1280, 720)) == pytest.approx(4.0)
    assert detector.input_px((576, 256), (288, 128)) == pytest.approx(2.0)  # the far view
    image = cv2.imread(str(assets / "images" / "street.png"), cv2.IMREAD_COLOR)
    found = detector.detect(Frame(0.0, 0, cv2.resize(image, (1280, 720)))).detections
    assert found and all(d.input_px == pytest.approx(4.0) for d in found)


def test_a_person_is_hidden_only_by_people_in_front():
    behind = (100.0, 100.0, 140.0, 200.0)
    in_front = (120.0, 120.0, 170.0, 240.0)  # feet lower in the image: nearer the camera
    apart = (300.0, 100.0, 340.0, 200.0)
    hidden = occlusion([behind, in_front, apart])
    assert 0.35 < hidden[0] < 0.45  # half its width, from 20 px down: 0.5 * 0.8
    assert hidden[1] == 0.0 and hidden[2] == 0.0


def test_the_far_view_is_fed_at_its_own_smaller_size_without_binding_again(assets, yolox,
                                                                          monkeypatch):
    """Alternating views switch between two tensors bound once each: no allocation and no
    binding per frame, and the same boxes every time."""
    image = cv2.resize(cv2.imread(str(assets / "images" / "street.png")), (1280, 720))
    frame = Frame(0.0, 0, image)
    config = load_config(None)
    narrowed = replace(config, far_view=NARROW)
    window = ViewScheduler.for_config(narrowed).window_for((1280, 720), yolox)
    crop = Frame(0.0, 0, image[window.crop.y:window.crop.y + window.crop.height,
                                window.crop.x:window.crop.x + window.crop.width])
    first_far = yolox.detect(crop, window.fit).detections
    first_full = yolox.detect(frame).detections
    assert yolox.preprocess.tensor.shape == (1, 3, 256, 416)  # the full view's 16:9 input
    binds = []
    monkeypatch.setattr(yolox, "_bind", lambda: binds.append(1) or (_ for _ in ()).throw(
        AssertionError("bound again")))
    for _ in range(2):
        assert yolox.detect(crop, window.fit).detections == first_far
        assert yolox.preprocess.tensor.shape == (1, 3, window.fit[1], window.fit[0])
        assert yolox.detect(frame).detections == first_full
    assert not binds
    assert yolox.work_fraction(window.crop.size, window.fit) < 0.6 * yolox.work_fraction(
        (1280, 720))


class ScriptedDetector(CountingDetector):
    """Finds the given boxes: ``full`` in the whole frame, ``far`` (window pixels) in the far
    view's window."""

    def __init__(self, full, far):
        super().__init__()
        self.full, self.far = full, far

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.sizes.append(frame.size)
        boxes = self.full if frame.size == (1280, 720) else self.far
        return DetectionSet(frame.t, frame.index, frame.size, tuple(
            Detection("person", 0, 0.9 - 0.01 * i, box) for i, box in enumerate(boxes)))


OUTSIDE = (50.0, 300.0, 150.0, 600.0)  # left of the window (320-960 x 98-458)
HELD = (600.0, 200.0, 640.0, 300.0)  # wholly inside it
PAST_RIGHT = (900.0, 300.0, 1000.0, 500.0)  # reaching past its right edge: seen cut there
PAST_BOTTOM = (500.0, 380.0, 560.0, 470.0)  # past its bottom edge by 12 px
FAR_OF_HELD = (280.0, 100.0, 322.0, 204.0)  # the far view's box of HELD, in window pixels


@pytest.mark.parametrize("far", [[FAR_OF_HELD], []])
def test_a_shared_frame_is_decided_on_in_two_parts_that_make_the_merge(far):
    """A Pi 5 runs the far view after the full view on every second frame. The full view's
    boxes that no far box can replace (outside the window, or reaching past its edge, where
    the far view saw their object cut) go on before the far view runs; the rest follow. The
    parts are the merge's boxes, each once: the far view's box of the held person, or, when
    it finds nothing, the full view's."""
    full = [OUTSIDE, HELD, PAST_RIGHT, PAST_BOTTOM]
    image = np.zeros((720, 1280, 3), np.uint8)
    frames = [Frame(i * 0.056, i, image) for i in range(2)]
    whole = ViewScheduler(FarViewConfig(every=2), MountingConfig(), K720, view_s=0.056)
    merged = [whole.detect(ScriptedDetector(full, far), f) for f in frames][1]

    views = ViewScheduler(FarViewConfig(every=2), MountingConfig(), K720, view_s=0.056)
    detector = ScriptedDetector(full, far)
    firsts, sizes_then = [], []

    def first(part):
        firsts.append(part)
        sizes_then.append(list(detector.sizes))

    alone = views.start(detector, frames[0], first)  # no far view due: one part, whole
    assert not firsts and alone.part == "whole" and len(alone.decoded().detections) == 4
    rest = views.start(detector, frames[1], first)
    assert len(firsts) == 1 and sizes_then[0][-1] == (1280, 720)  # before the far view ran
    assert detector.sizes[-1] == FAR_WINDOW
    one = {d.box for d in firsts[0].decoded().detections}
    two = {d.box for d in rest.decoded().detections}
    assert one == {OUTSIDE, PAST_RIGHT, PAST_BOTTOM}
    assert two == ({(600.0, 198.0, 642.0, 302.0)} if far else {HELD})
    assert one | two == {d.box for d in merged.detections} and not one & two
    # What the far view did not find, it missed, once it has run: the rest, not the first.
    assert rest.decoded().far_looked and not firsts[0].decoded().far_looked
    assert merged.far_looked and not alone.decoded().far_looked


class WeakScriptedDetector(CountingDetector):
    """Finds sure boxes (score 0.9) and weak ones (0.15) in each view: ``full`` in the whole
    frame, ``far`` (window pixels) in the far view's window; each a (sure, weak) pair."""

    def __init__(self, full, far):
        super().__init__()
        self.full, self.far = full, far

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.sizes.append(frame.size)
        sure, weak = self.full if frame.size == (1280, 720) else self.far
        return DetectionSet(frame.t, frame.index, frame.size,
                            tuple(Detection("person", 0, 0.9, box) for box in sure),
                            weak=tuple(Detection("person", 0, 0.15, box) for box in weak),
                            sure_score=0.3)


def test_the_weak_boxes_are_the_far_views_less_what_a_sure_box_found():
    """The far view's weak boxes come back in frame pixels, but for one a sure box of the full
    view overlaps (the same person, found surely). The full view's weak boxes are dropped:
    near people's parts and pairs, a crowd's clutter (on the footage they took passers-by's
    boxes into far walkers' tracks)."""
    far_weak = (50.0, 50.0, 80.0, 110.0)  # window pixels: (370, 148, 400, 208) in the frame
    detector = WeakScriptedDetector(full=([HELD], [OUTSIDE]),
                                    far=([], [far_weak, FAR_OF_HELD]))
    views = ViewScheduler(FarViewConfig(every=1, min_full_view_hz=0.0), MountingConfig(), K720)
    found = views.detect(detector, Frame(0.0, 0, np.zeros((720, 1280, 3), np.uint8)))
    assert found.far_looked and [d.box for d in found.detections] == [HELD]
    assert [(d.box, d.view) for d in found.weak] == [((370.0, 148.0, 400.0, 208.0), "far")]
    assert found.sure_score == 0.3


def test_decoding_down_to_the_weak_floor_leaves_the_sure_boxes_as_they_were(assets, yolox):
    """NMS keeps the best box first, so the boxes at or above the model's threshold are the
    ones a decode at the threshold finds; the rest are weak, and there are some."""
    plain = open_detector(DetectorConfig(model="yolox_nano_416", threads=1,
                                         weak_score_threshold=0.0), board_profile("none"))
    weak_seen = 0
    for name in ("bus.jpg", "street.png", "zidane.jpg"):
        frame = Frame(0.0, 0, cv2.imread(str(assets / "images" / name)))
        found, sure_only = yolox.detect(frame), plain.detect(frame)
        assert found.detections == sure_only.detections and not sure_only.weak
        assert all(d.score < yolox.score_threshold for d in found.weak)
        assert found.sure_score == yolox.score_threshold == 0.3
        weak_seen += len(found.weak)
    assert weak_seen
