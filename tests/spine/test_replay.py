"""Replay: the device's timing modelled on the recorded clock, and byte-identical event logs."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

from rearguard.assets import assets_dir
from rearguard.boards import BoardProfile, Timing, board_profile
from rearguard.cli import main
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.messages import Detection, DetectionSet, Frame, RangeReading
from rearguard.session import EventLog, SessionError, SessionWriter, open_session

CLIP = "footage/street_level_people_approaching.mp4"


@dataclass
class ScriptedSpec:
    name: str = "scripted"
    gflops: float = 1.0
    input_stride: int = 0  # a fixed input: the far view costs a full view
    obstacle_heights: dict = field(default_factory=lambda: {"person": 1.7})


class ScriptedDetector:
    """Stands in for the ONNX detector where only the replay's scheduling is under test."""

    spec = ScriptedSpec()
    nms_iou = 0.45
    input_size = (160, 160)

    def __init__(self):
        self.seen: list[int] = []
        self.sizes: list[tuple[int, int]] = []

    def work_fraction(self, frame_size: tuple[int, int], fit=None) -> float:
        return 1.0  # costs the board's figure, whatever the frame

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.sizes.append(frame.size)
        if frame.size == (160, 120):  # the whole frame, not the far view's window
            self.seen.append(frame.index)
        w, h = frame.size
        return DetectionSet(frame.t, frame.index, (w, h), ())


def synthetic_session(tmp_path: Path, frames: int = 40, fps: float = 25.0) -> Path:
    folder = tmp_path / "synthetic"
    meta = {"rangefinders": [{"name": "rear", "kind": "hcsr04", "trigger_pin": 23,
                              "echo_pin": 24}]}
    with SessionWriter(folder, meta) as w:
        for i in range(frames):
            t = 10.0 + i / fps
            w.add_frame(Frame(t, i, _image(i)))
            w.add_range(RangeReading(t + 0.003, "rear", None if i % 7 == 0 else 3.0))
    return folder


def _image(i: int) -> np.ndarray:
    image = np.zeros((120, 160, 3), np.uint8)
    image[:, : (i * 3) % 160] = 200
    return image


def frame_events(events):
    return [e for e in events if e["kind"] == "frame"]


def test_no_board_processes_every_frame(tmp_path):
    session = open_session(synthetic_session(tmp_path))
    detector = ScriptedDetector()
    result = replay_session(session, load_config(None), detector, board_profile("none"))
    assert detector.seen == list(range(40))
    assert (result.frames_processed, result.frames_dropped) == (40, 0)


def test_a_slow_board_drops_frames_newest_first(tmp_path):
    session = open_session(synthetic_session(tmp_path))
    slow = BoardProfile("slow", threads=1, default_model="scripted",  # 100 ms a frame
                        timings={"scripted": Timing(100.0, "test")})
    detector = ScriptedDetector()
    result = replay_session(session, without_far_view(), detector, slow)
    frames = frame_events(result.events)
    processed = [e for e in frames if not e.get("dropped")]
    dropped = [e for e in frames if e.get("dropped")]
    assert result.frames_processed == len(processed) == len(detector.seen)
    assert result.frames_dropped == len(dropped) and len(processed) + len(dropped) == 40
    # 1.56 s of frames at 100 ms a run: the detector is busy throughout, ~16 runs plus the tail.
    assert 15 <= len(processed) <= 18
    for a, b in itertools.pairwise(processed):
        assert b["start"] >= a["done"] - 1e-9  # one frame at a time
        assert b["start"] - b["t"] < 0.04 + 1e-9  # a waiting frame is never older than 1 frame
    assert max(e["done"] - e["t"] for e in processed) < 0.1 + 0.04 + 1e-9


def test_the_pixel_meters_delay_the_detections_not_the_detector(tmp_path):
    """100 ms a view, 60 ms of pixel meters on their own stage: each frame's detections reach
    the core 160 ms after the detector took it, and the detector takes the next frame 100 ms
    after, as with no meters at all (a Pi's meters are faster than its views)."""
    session = open_session(synthetic_session(tmp_path))
    timing = {"scripted": Timing(100.0, "test")}
    with_meters = BoardProfile("m", threads=1, default_model="scripted", timings=timing,
                               pixels_base_s=0.06)
    without = BoardProfile("n", threads=1, default_model="scripted", timings=timing)
    runs = {board.name: replay_session(session, without_far_view(), ScriptedDetector(), board)
            for board in (with_meters, without)}
    started = {name: [e["start"] for e in frame_events(r.events) if not e.get("dropped")]
               for name, r in runs.items()}
    assert started["m"] == started["n"] and len(started["m"]) >= 15
    processed = [e for e in frame_events(runs["m"].events) if not e.get("dropped")]
    assert {round(e["done"] - e["start"], 4) for e in processed} == {0.16}
    for a, b in itertools.pairwise(processed):
        assert b["start"] < a["done"]  # the next frame is on the detector before that


class CrowdDetector(ScriptedDetector):
    """Three people and a cup on every frame: the meters measure the people."""

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        people = tuple(Detection("person", 0, 0.9, (10.0 * k, 10.0, 10.0 * k + 8, 40.0))
                       for k in range(1, 4))
        cup = Detection("cup", 41, 0.9, (100.0, 10.0, 110.0, 20.0))
        return DetectionSet(frame.t, frame.index, frame.size, (*people, cup))


def test_the_pixel_meters_take_longer_the_more_objects_they_measure(tmp_path):
    session = open_session(synthetic_session(tmp_path))
    board = BoardProfile("m", threads=1, default_model="scripted",
                         timings={"scripted": Timing(100.0, "test")}, pixels_base_s=0.01,
                         pixels_per_object_s=0.02)
    result = replay_session(session, without_far_view(), CrowdDetector(), board)
    processed = [e for e in frame_events(result.events) if not e.get("dropped")]
    assert {round(e["done"] - e["start"], 4) for e in processed} == {0.17}  # 0.1 + 0.01 + 3 x 0.02


def without_far_view():
    config = load_config(None)
    return replace(config, far_view=replace(config.far_view, enabled=False))


def test_the_far_view_costs_one_more_view_on_every_second_frame(tmp_path):
    session = open_session(synthetic_session(tmp_path))
    fast = BoardProfile("fast", threads=1, default_model="scripted",  # 10 ms a view
                        timings={"scripted": Timing(10.0, "test")})
    detector = ScriptedDetector()
    result = replay_session(session, load_config(None), detector, fast)
    assert detector.seen == list(range(40)) and result.far_views == 20
    assert detector.sizes.count((80, 60)) == 20  # zoom 2: half the frame's width and height
    processed = [e for e in frame_events(result.events) if not e.get("dropped")]
    busy = sorted(round(e["done"] - e["start"], 4) for e in processed)
    assert busy == [0.01] * 20 + [0.02] * 20


def sharing_frames(config=None):
    """The far view after the full view on the same frame, whatever the board's speed."""
    config = config or load_config(None)
    return replace(config, far_view=replace(config.far_view, own_frame_after_ms=10000.0))


def test_the_far_view_gives_way_when_the_full_view_would_fall_below_its_rate(tmp_path):
    session = open_session(synthetic_session(tmp_path))
    board = BoardProfile("b", threads=1, default_model="scripted",  # 5 Hz needs <= 200 ms
                         timings={"scripted": Timing(150.0, "test")})  # far every 3rd: 200
    result = replay_session(session, sharing_frames(), ScriptedDetector(), board)
    processed = [e for e in frame_events(result.events) if not e.get("dropped")]
    assert result.far_views == len(processed) // 3
    board = BoardProfile("b", threads=1, default_model="scripted",
                         timings={"scripted": Timing(210.0, "test")})  # 4.8 Hz alone
    assert replay_session(session, sharing_frames(), ScriptedDetector(), board).far_views == 0


def on_a_slow_board(tmp_path: Path, detector: ScriptedDetector, config=None) -> tuple:
    """The synthetic session replayed on a board of 150 ms a view (over
    far_view.own_frame_after_ms), with the default config or ``config``; the result and the
    frames the detector took."""
    session = open_session(synthetic_session(tmp_path))
    board = BoardProfile("b", threads=1, default_model="scripted",
                         timings={"scripted": Timing(150.0, "test")})
    result = replay_session(session, config or load_config(None), detector, board)
    return result, [e for e in frame_events(result.events) if not e.get("dropped")]


def test_on_a_slow_board_the_far_view_takes_a_frame_of_its_own(tmp_path):
    """150 ms a view (over far_view.own_frame_after_ms): no frame waits for two views. The far
    view alternates with the full view, every 4th frame while something is near, so the full
    view keeps its 5 Hz: 3 of 4 frames at 150 ms each."""
    detector = ScriptedDetector()
    result, processed = on_a_slow_board(tmp_path, detector)
    assert {round(e["done"] - e["start"], 4) for e in processed} == {0.15}
    assert result.far_views == len(processed) // 4 > 0
    assert len(detector.seen) == len(processed) - result.far_views  # whole frames: the rest
    assert detector.sizes.count((80, 60)) == result.far_views


class AnySizeDetector(ScriptedDetector):
    """A model that takes any input size (YOLOX): a view costs the pixels it feeds, and the
    far view is fed only its window, twice as large as the full view sees it."""

    spec = ScriptedSpec(input_stride=32)

    def work_fraction(self, frame_size: tuple[int, int], fit=None) -> float:
        box_w, box_h = fit or self.input_size
        r = min(box_w / frame_size[0], box_h / frame_size[1])
        return frame_size[0] * r * frame_size[1] * r / (160 * 120)


def test_a_far_window_fed_at_its_own_size_costs_less_and_comes_more_often(tmp_path):
    """150 ms a full view, as before; the far view's window narrowed (0.45 x 0.36 of the
    160x120 frame, cut to whole steps: 64x32 fed as 128x64) costs 0.43 of the pixels, 68 ms.
    While something is near the far view now fits every 3rd frame (not every 4th): 2 full
    views and a far one in 0.37 s, 5.4 Hz of full view."""
    config = load_config(None)
    narrowed = replace(config, far_view=replace(config.far_view, window_width=0.45,
                                                window_height=0.36))
    detector = AnySizeDetector()
    result, processed = on_a_slow_board(tmp_path, detector, narrowed)
    far = 0.15 * (0.05 + 0.95 * 128 * 64 / (160 * 120))
    assert result.far_view_s == pytest.approx(far)
    busy = sorted({round(e["done"] - e["start"], 4) for e in processed})
    assert busy == [round(far, 4), 0.15]
    assert detector.sizes.count((64, 32)) == result.far_views == len(processed) // 3 > 0


def test_fault_events_when_the_rangefinder_goes_silent(tmp_path):
    folder = tmp_path / "silent"
    meta = {"rangefinders": [{"name": "rear", "kind": "hcsr04", "trigger_pin": 23,
                              "echo_pin": 24}]}
    with SessionWriter(folder, meta) as w:
        for i in range(75):  # 3 s of frames; the rangefinder stops after 1 s
            t = i / 25
            w.add_frame(Frame(t, i, _image(i)))
            if t < 1.0:
                w.add_range(RangeReading(t, "rear", 2.0))
    result = replay_session(open_session(folder), load_config(None), ScriptedDetector(),
                            board_profile("none"))
    faults = [e for e in result.events if e["kind"] == "fault"]
    assert faults and faults[0]["stage"] == "ranger" and faults[0]["active"] is True
    assert 1.5 <= faults[0]["t"] <= 1.7  # 0.6 s after the last reading, within one tick


@pytest.fixture(scope="module")
def detector(assets):
    config = load_config(None)
    return open_detector(config.detector, board_profile("pi4"))


def clip_session(tmp_path: Path, frames: int = 80) -> Path:
    """The real approach clip as a fixture session, cut to its first ``frames`` frames."""
    folder = tmp_path / "clip"
    folder.mkdir()
    (folder / "meta.toml").write_text(
        f'format = "rearguard-session/1"\n[video]\npath = "assets:{CLIP}"\nfps = 23.976\n'
        f"frames = {frames}\n")
    return folder


def test_two_replays_write_identical_event_logs(tmp_path, detector):
    session = open_session(clip_session(tmp_path))
    logs = []
    for run in range(2):
        path = tmp_path / f"events{run}.jsonl"
        log = EventLog(path)
        replay_session(session, load_config(None), detector, board_profile("pi4"), emit=log)
        log.close()
        logs.append(path.read_bytes())
    assert logs[0] == logs[1]
    kinds = {json.loads(line)["kind"] for line in logs[0].splitlines()}
    assert {"frame", "detection", "track"} <= kinds


def test_cli_replay_of_a_plain_video_prints_a_summary(tmp_path, capsys, detector):
    out = tmp_path / "out"
    clip = assets_dir() / CLIP
    assert main(["replay", str(clip), "--profile", "pi4", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "188 captured" in text and "processed" in text and "dropped" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"]["total"] == 188
    assert summary["frames"]["processed"] + summary["frames"]["dropped"] == 188
    assert (out / "events.jsonl").stat().st_size > 0
    # A plain clip states no mounting: the summary says whose it took, and where to get one.
    assert summary["mounting"] == {"height_m": 1.1, "pitch_deg": 5.0, "stated_by": "config"}
    assert "1.1 m up, looking 5 deg down (the config's" in text and "rearguard mounting" in text


def test_cli_replay_json_prints_the_summary_file(tmp_path, capsys, detector):
    out = tmp_path / "out"
    assert main(["replay", str(clip_session(tmp_path, 40)), "--profile", "none", "--out",
                 str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "summary.json").read_text())
    assert printed["frames"]["total"] == 40 and printed["profile"] == "none"


def test_cli_replay_rejects_a_corrupt_session_before_starting(tmp_path, capsys):
    folder = synthetic_session(tmp_path)
    with open(folder / "sensors.jsonl", "ab") as f:
        f.write(b'{"t": 1, "kind": "range", "sensor": "rear", "distance_m": "far"}\n')
    assert main(["replay", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "sensors.jsonl line 41" in err
    assert not (tmp_path / "out").exists()


def test_a_cut_off_clip_is_reported_or_replayed_whole(assets, tmp_path):
    """A clip cut short (a phone that died mid-recording) is never half-replayed: either it
    is refused up front with a message naming it, or every frame it claims is there."""
    data = (assets / CLIP).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 5])
    try:
        session = open_session(cut)
    except SessionError as e:
        assert str(cut) in str(e)
        return
    assert 0 < session.frame_count < 188
    assert sum(1 for _ in session.frames()) == session.frame_count
