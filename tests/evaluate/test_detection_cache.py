"""The evaluation's detection cache answers for the frames it saw, not for a file's name."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from rearguard.detection.farview import Crop, crop_frame
from rearguard.evaluate.runner import CachedDetector
from rearguard.messages import Detection, DetectionSet, Frame


class CountingDetector:
    """A stand-in detector that finds one person per frame and counts the frames it ran on."""

    spec = SimpleNamespace(name="counting", input_stride=0)
    score_threshold, weak_threshold, nms_iou, input_size = 0.3, 0.1, 0.45, (320, 320)

    def __init__(self) -> None:
        self.runs = 0

    def input_px(self, frame_size: tuple[int, int], fit=None) -> float:
        return 320.0

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.runs += 1
        person = Detection("person", 0, 0.9, (10.0, 10.0, 40.0, 100.0))
        unsure = Detection("car", 2, 0.15, (50.0, 20.0, 60.0, 26.0), view="far")
        return DetectionSet(frame.t, frame.index, frame.size, (person,), weak=(unsure,),
                            sure_score=self.score_threshold)


def _answer(cache_dir: Path, video: Path, detector: CountingDetector) -> None:
    cached = CachedDetector(detector, cache_dir)
    cached.use(SimpleNamespace(video=video, frame_count=1, mirrored=False))
    cached.detect(Frame(0.0, 0, np.zeros((48, 64, 3), np.uint8)))
    cached.save()


def test_a_video_rendered_again_is_not_answered_from_the_old_frames(tmp_path: Path) -> None:
    video = tmp_path / "scene" / "video.mjpeg"
    video.parent.mkdir()
    video.write_bytes(b"frames of seed 1")
    detector = CountingDetector()
    _answer(tmp_path / "cache", video, detector)
    _answer(tmp_path / "cache", video, detector)
    assert detector.runs == 1  # the same bytes: answered from the cache

    video.write_bytes(b"frames of seed 2")  # same path, same frame count, other frames
    _answer(tmp_path / "cache", video, detector)
    assert detector.runs == 2


def test_a_far_window_moved_by_another_pitch_is_not_answered_from_the_old_one(
        tmp_path: Path) -> None:
    """The far view's window follows the mounting's pitch: the same frame, a window of the
    same shape 49 px higher, shows other pixels and needs its own answer."""
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"frames")
    detector = CountingDetector()
    cached = CachedDetector(detector, tmp_path / "cache")
    cached.use(SimpleNamespace(video=video, frame_count=1, mirrored=False))
    frame = Frame(0.0, 0, np.zeros((720, 1280, 3), np.uint8))
    for crop in (Crop(320, 98, 640, 360), Crop(320, 49, 640, 360), Crop(320, 98, 640, 360)):
        cached.detect(crop_frame(frame, crop))
    assert detector.runs == 2
    assert crop_frame(frame, Crop(320, 49, 640, 360)).origin == (320, 49)


def test_the_weak_boxes_are_kept_apart_from_the_sure_ones(tmp_path: Path) -> None:
    """Answered from the cache, a frame's weak boxes are weak again, the sure ones sure."""
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"frames")
    detector = CountingDetector()
    frame = Frame(0.0, 0, np.zeros((48, 64, 3), np.uint8))
    fresh = detector.detect(frame)
    _answer(tmp_path / "cache", video, detector)
    cached = CachedDetector(detector, tmp_path / "cache")
    cached.use(SimpleNamespace(video=video, frame_count=1, mirrored=False))
    again = cached.detect(frame)
    assert detector.runs == 2  # one fresh above, one for the cache: this one is stored
    assert [(d.label, d.score, d.box) for d in again.detections] == [
        (d.label, d.score, d.box) for d in fresh.detections]
    assert [(d.label, d.score, d.box, d.view) for d in again.weak] == [
        (d.label, d.score, d.box, d.view) for d in fresh.weak]
    assert again.sure_score == 0.3
