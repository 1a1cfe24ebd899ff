"""`rearguard bench --json`: the keys the issue lists, from a short real run."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from rearguard.cli import main
from rearguard.cli.bench import STAGES, _time_detection, _time_meters, _time_tracking
from rearguard.messages import Detection, DetectionSet, Frame


def test_bench_json_has_the_figures(assets, capsys):
    assert main(["bench", "--json", "--model", "yolox_nano_416", "--threads", "1",
                 "--frames", "6", "--warmup", "2", "--live-seconds", "3",
                 "--recall-every", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overhead_ratio"] > 0.5
    assert report["serial_ratio"] >= report["overhead_ratio"]  # two threads' work on one
    assert list(report["stages_ms"]) == list(STAGES) and "scale" in STAGES
    assert set(report["this_machine_ms"]) >= {"yolox_nano_416", "yolox_nano_416 at 320, 16:9"}
    pi4 = report["boards"]["pi4"]
    assert pi4["catalog_view_ms"] >= 143  # the table, not GFLOPs: 416x416 at 7 FPS at best
    assert pi4["input_size"] == 320 and pi4["full_view_hz_when_near"] >= 5.0
    assert 0 < pi4["pixel_meters_ms"]["10 objects"] < pi4["view_ms"]  # they keep up
    # The far view's window, 1/zoom of the frame, costs a full view (a narrowed one less:
    # tests/detection/test_farview.py); the Pi 4's every 4th frame while something is near.
    assert pi4["far_view_ms"] == pi4["view_ms"] and pi4["far_view_every_when_near"] == 4
    latency = report["latency"]
    for key in ("camera_p50_ms", "camera_p95_ms", "inference_p95_ms", "range_p50_ms",
                "range_p95_ms"):
        assert latency[key] is not None and latency[key] > 0, key
    assert latency["camera_p95_ms"] >= latency["camera_p50_ms"]
    assert report["frames_dropped"] >= 0 and report["rss_peak_mb"] > 50
    assert "rss_growth_mb_per_min" in report


class _Detector:
    score_threshold = 0.3  # what a decoded box needs to be sure (the rest are weak)

    def __init__(self) -> None:
        self.calls: list[str] = []

    def prepare(self, image):
        self.calls.append("prepare")
        return "placement"

    def infer(self):
        self.calls.append("infer")
        return ["outputs"]

    def decode(self, outputs, placement, frame_size, fit=None):
        self.calls.append("decode")
        return (Detection("person", 0, 0.9, (10.0, 10.0, 50.0, 90.0)),)

    def run_bare(self) -> None:
        self.calls.append("bare")


class _Scale:
    """Stands in for the ScaleMeter: remembers what it got, returns a set with growth."""

    def measure(self, frame, ds, final=True):
        self.got = (frame, ds)
        return replace(ds, detections=tuple(replace(d, growth=0.5, growth_sigma=0.1)
                                            for d in ds.detections))


class _World:
    def add_detections(self, ds):
        self.got = ds

    def obstacles(self, t):
        return []


def test_the_detector_thread_alternates_with_the_bare_run_and_hands_on_its_outputs():
    """As in the live loop, the detector's thread only runs the network: decoding waits for
    the meters' thread."""
    frame = Frame(1.0, 7, np.zeros((120, 160, 3), np.uint8))
    for bare_first in (False, True):
        detector = _Detector()
        lap, started = _time_detection(detector, frame, bare_first=bare_first)
        assert set(lap) == {"preprocess", "inference", "detector thread", "bare run"}
        assert "decode" not in detector.calls
        assert started.outputs == ["outputs"] and started.placement == "placement"
        assert (detector.calls.index("bare") < detector.calls.index("infer")) is bare_first


def test_the_pixels_thread_decodes_then_measures_and_the_main_thread_tracks():
    """As in the live loop: the outputs are decoded on the pixels thread, the scale meter gets
    this frame and its detections, the appearance meter the measured set; the world (the
    main thread's) gets what both measured."""
    from rearguard.detection.pixels import PixelMeters

    frame = Frame(1.0, 7, np.zeros((120, 160, 3), np.uint8))
    detector = _Detector()
    _, started = _time_detection(detector, frame, bare_first=False)
    scale, world, pixels = _Scale(), _World(), PixelMeters()
    pixels.growth = scale
    lap, measured = _time_meters(pixels, frame, started)
    assert set(lap) == {"decode+nms", "scale", "meters thread"}
    assert detector.calls[-1] == "decode"
    found = DetectionSet(frame.t, frame.index, frame.size, detector.decode(None, None, None),
                         sure_score=detector.score_threshold)
    assert scale.got == (frame, found)
    assert world.__dict__ == {}  # not tracked on this thread
    tracked = _time_tracking(world, measured)
    assert set(tracked) == {"tracking+fusion"}
    assert set(lap) | set(tracked) | {"preprocess", "inference", "detector thread",
                                      "bare run"} == set(STAGES)
    assert [d.growth for d in world.got.detections] == [0.5]
    assert world.got.detections[0].appearance is not None
