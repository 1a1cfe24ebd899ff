"""`rearguard report`: the timeline PNG and the annotated video of a real scenario."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from rearguard.cli import main
from rearguard.report.common import motor_activity

SCENARIO = Path(__file__).parents[1] / "scenarios" / "approach_two_women"


def test_report_draws_the_timeline_and_every_frame(assets, tmp_path, capsys):
    assert main(["report", str(SCENARIO), "--out", str(tmp_path)]) == 0
    timeline = cv2.imread(str(tmp_path / "timeline.png"))
    assert timeline is not None and timeline.shape[1] == 1200
    # the level panel carries the alert colours: orange (WARNING) and red (DANGER) are drawn
    assert (np.all(timeline == (0, 130, 255), axis=2)).any()
    assert (np.all(timeline == (40, 40, 220), axis=2)).any()
    video = cv2.VideoCapture(str(tmp_path / "annotated.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 188
    ok, frame = video.read()
    assert ok and frame.shape == (360, 640, 3)


def test_motor_activity_follows_the_pattern_commands():
    events = [{"t": 1.0, "kind": "pattern", "pattern": "warning", "side": "left"},
              {"t": 3.0, "kind": "pattern", "pattern": "clear", "side": "centre"}]
    activity = motor_activity(events, [0.5, 1.05, 1.2, 2.9, 3.5])
    assert activity["left"] == [0.0, 0.8, 0.0, 0.8, 0.0]  # before, on, gap, next cycle, cleared
    assert activity["right"] == [0.0] * 5
