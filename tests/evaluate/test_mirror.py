"""`rearguard evaluate --mirror`: the same recording, every frame mirrored left to right, its
camera and rangefinders mirrored with it, judged against the unmirrored truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rearguard.config import load_config
from rearguard.drive.replay import mirrored
from rearguard.evaluate.runner import CachedDetector, _unmirrored
from rearguard.messages import Detection, DetectionSet, Frame, RangeReading
from rearguard.session import SessionWriter, open_session
from rearguard.session.settings import config_for_session, session_intrinsics
from tests.evaluate.test_detection_cache import CountingDetector

CAMERA = {"fx": 150.0, "fy": 150.0, "cx": 70.0, "cy": 60.0, "width": 160, "height": 120}
RANGER = {"name": "rear", "kind": "hcsr04", "trigger_pin": 23, "echo_pin": 24,
          "bearing_deg": 10.0}


def recording(tmp_path: Path) -> Path:
    """Three frames whose left quarter is bright, a camera whose principal point is 10 px left
    of centre, a rangefinder pointing 10 degrees right."""
    folder = tmp_path / "rec"
    with SessionWriter(folder, {"camera": CAMERA, "rangefinders": [RANGER]}) as w:
        for i in range(3):
            image = np.zeros((120, 160, 3), np.uint8)
            image[:, :40] = 220
            w.add_frame(Frame(i * 0.1, i, image))
            w.add_range(RangeReading(i * 0.1 + 0.01, "rear", 3.0))
    return folder


def test_the_frames_camera_and_rangefinders_are_mirrored(tmp_path):
    session = open_session(recording(tmp_path))
    flipped = mirrored(session)
    original, mirror = next(session.frames()).image, next(flipped.frames()).image
    assert original[:, :40].min() > 200 and mirror[:, -40:].min() > 200
    assert mirror[:, :40].max() < 30
    assert session_intrinsics(session).cx == 70.0
    assert session_intrinsics(flipped).cx == 90.0  # 160 - 70
    config = load_config(None)
    assert config_for_session(config, session).rangefinders[0].bearing_deg == 10.0
    assert config_for_session(config, flipped).rangefinders[0].bearing_deg == -10.0
    assert "mirrored" in flipped.notes and not session.mirrored


def test_the_mirrored_replays_boxes_are_judged_in_the_recorded_frame():
    events = [{"kind": "track", "t": 0.0, "id": 1, "box": [10.0, 20.0, 50.0, 100.0]},
              {"kind": "alert", "t": 0.0, "level": "CLEAR"}]
    back = _unmirrored(events, 160)
    assert back[0]["box"] == [110.0, 20.0, 150.0, 100.0]
    assert back[1] == events[1] and events[0]["box"] == [10.0, 20.0, 50.0, 100.0]


class OneBox(CountingDetector):
    """Finds one person wherever the bright part of the frame is; counts its runs."""

    def detect(self, frame: Frame, fit=None) -> DetectionSet:
        self.runs += 1
        bright = np.flatnonzero(frame.image[60, :, 0] > 100)
        box = (float(bright[0]), 10.0, float(bright[-1] + 1), 110.0)
        return DetectionSet(frame.t, frame.index, frame.size,
                            (Detection("person", 0, 0.9, box),))


def test_the_detection_cache_keeps_mirrored_answers_apart(tmp_path):
    """Cached answers for the recorded frames must not answer for the mirrored ones."""
    session = open_session(recording(tmp_path))
    detector = OneBox()
    boxes = []
    for s in (session, mirrored(session)):
        cached = CachedDetector(detector, tmp_path / "cache")
        cached.use(s)
        boxes.append(cached.detect(next(s.frames())).detections[0].box)
        cached.save()
    assert detector.runs == 2
    assert boxes[0][0] == 0.0 and boxes[1][2] == 160.0
