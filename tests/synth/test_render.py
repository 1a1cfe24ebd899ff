"""Rendering: the same scene and seed give the same bytes; the truth matches what the detector
sees; the folder is a session the reader takes. Short scenes, a handful of detector runs."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from rearguard.config.schema import DetectorConfig
from rearguard.core.tracking import iou
from rearguard.detection import open_detector
from rearguard.messages import Frame
from rearguard.session import open_session
from rearguard.session.expect import parse_expectations
from rearguard.synth import load_scene
from rearguard.synth.output import make_renderer, render
from rearguard.synth.truth import truth_record

SHORT = """
[scene]
description = "a jogger in the path and a cyclist beside it"
duration_s = 0.5
seed = {seed}

[runner]
speed_mps = 3.0

[[object]]
id = 1
cutout = "person"
distance_m = 12.0
path = "toward"
speed_mps = 4.0

[[object]]
id = 7
cutout = "cyclist"
width_m = 0.6
distance_m = 20.0
lateral_m = -1.5
path = "toward"
speed_mps = 7.0
"""

# A person standing in the path and one beside it; the runner comes at 3 m/s. Times chosen so
# that they are 5-20 m away and neither hides the other.
STANDING = """
[scene]
description = "people standing"
duration_s = 6.0
seed = 4

[runner]
speed_mps = 3.0

[[object]]
id = 1
cutout = "person"
distance_m = 21.0
path = "static"

[[object]]
id = 2
cutout = "person"
distance_m = 24.0
lateral_m = -2.5
path = "static"
"""


@pytest.fixture(scope="module")
def short_scene(tmp_path_factory, assets):
    folder = tmp_path_factory.mktemp("scenes")
    (folder / "short.toml").write_text(SHORT.format(seed=1))
    (folder / "short-seed2.toml").write_text(SHORT.format(seed=2))
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def test_same_scene_and_seed_give_the_same_bytes(short_scene, tmp_path):
    scene = load_scene(str(short_scene / "short.toml"))
    render(scene, tmp_path / "a")
    render(scene, tmp_path / "b")
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert set(a) >= {"meta.toml", "video.mjpeg", "frames.csv", "sensors.jsonl", "truth.jsonl",
                      "expect.toml"}
    assert a == b
    render(load_scene(str(short_scene / "short-seed2.toml")), tmp_path / "c")
    assert digest(tmp_path / "c")["video.mjpeg"] != a["video.mjpeg"]  # the seed matters


def test_a_rendered_scene_is_a_session_with_truth(short_scene, tmp_path):
    render(load_scene(str(short_scene / "short.toml")), tmp_path / "s")
    session = open_session(tmp_path / "s")
    assert session.frame_count == 10 and session.frame_times[0] == 0.0
    assert session.synthetic == {"scene": "short", "seed": 1,
                                 "generator": session.synthetic["generator"],
                                 "range_trace": "synthetic"}
    assert session.synthetic["generator"].startswith("rearguard synth ")
    cam = session.meta["camera"]
    assert cam["fx"] == cam["fy"] and (cam["width"], cam["height"]) == (1280, 720)
    assert session.meta["rangefinders"][0]["name"] == "rear"
    ranges = [r for r in session.sensors if r.sensor == "rear"]
    assert len(ranges) == 8  # 16 Hz over 0.5 s
    assert all(r.distance_m is None for r in ranges)  # everything is farther than 4 m
    frames = list(session.frames())
    assert frames[0].image.shape == (720, 1280, 3)
    truth = [json.loads(line) for line in (tmp_path / "s" / "truth.jsonl").read_text().splitlines()]
    assert len(truth) == 10 * 2
    jogger = [r for r in truth if r["id"] == 1]
    assert [r["frame"] for r in jogger] == list(range(10))
    assert jogger[0]["distance_m"] == 12.0
    assert jogger[0]["ttc_s"] == pytest.approx(12.0 / 7.0, abs=1e-4)
    assert all(r["in_path"] and r["visible"] and len(r["box"]) == 4 for r in jogger)
    cyclist = [r for r in truth if r["id"] == 7]
    assert all(not r["in_path"] and r["bearing_deg"] < 0 for r in cyclist)
    expect = parse_expectations(tomllib.loads((tmp_path / "s" / "expect.toml").read_text()))
    assert expect.contacts == ()  # nothing reaches the runner in half a second
    assert expect.windows[0].kind == "quiet"


def test_detector_box_height_matches_the_projected_height(assets):
    """For unoccluded persons 5-20 m away the detector's box height is within 10 % of the
    projected height of the cut-out (the truth box)."""
    from rearguard.synth.scene import parse_scene
    scene = parse_scene(tomllib.loads(STANDING), "standing.toml", "standing")
    renderer = make_renderer(scene)
    detector = open_detector(DetectorConfig())
    checked = []
    for index, t in enumerate((0.4, 1.9, 3.3, 4.4, 5.1)):
        image, drawn = renderer.frame(index, t)
        people = [d for d in detector.detect(Frame(t, index, image)).detections
                  if d.label == "person"]
        for sprite, seen in zip(renderer.sprites, drawn, strict=True):
            truth = truth_record(sprite.obj, sprite.width_m, scene.runner, t, index, seen.box,
                                 seen.pixels > 0)
            if not (5.0 <= truth["distance_m"] <= 20.0 and truth["visible"]):
                continue
            box = truth["box"]
            best = max(people, key=lambda d: iou(d.box, box), default=None)
            assert best is not None and iou(best.box, box) > 0.5, (t, truth, people)
            ratio = (best.box[3] - best.box[1]) / (box[3] - box[1])
            checked.append((round(truth["distance_m"], 1), round(ratio, 3)))
            assert abs(ratio - 1) <= 0.10, (truth["distance_m"], ratio)
    print("distance m, detector/projected height:", checked)
    assert len(checked) >= 6, checked



HIDDEN = """
[scene]
duration_s = 1.0

[runner]
speed_mps = 0.0

[[object]]
id = 1
cutout = "wall"
distance_m = 8.0
path = "static"

[[object]]
id = 2
cutout = "person"
distance_m = 15.0
path = "static"

[[object]]
id = 3
cutout = "person"
distance_m = 15.0
lateral_m = 6.0
path = "static"
"""


def test_occlusion_by_depth_decides_what_is_visible(assets):
    from rearguard.synth.scene import parse_scene
    scene = parse_scene(tomllib.loads(HIDDEN), "hidden.toml", "hidden")
    renderer = make_renderer(scene)
    _, drawn = renderer.frame(0, 0.0)
    wall, hidden, beside = drawn
    assert wall.pixels > 0 and beside.pixels > 0
    assert hidden.box is not None and hidden.pixels == 0  # projected, but behind the wall
    truth = truth_record(renderer.sprites[1].obj, renderer.sprites[1].width_m, scene.runner, 0.0,
                         0, hidden.box, hidden.pixels > 0)
    assert truth["visible"] is False and "box" not in truth and truth["in_path"] is True
