"""`rearguard report`: the page, its H.264 video and its timeline for a real scenario."""

from __future__ import annotations

import re

import cv2

from rearguard.report.common import motor_activity


def test_report_writes_one_page_with_h264_video_and_timeline(report_dir):
    tmp_path = report_dir
    timeline = cv2.imread(str(tmp_path / "timeline.png"))
    assert timeline is not None and timeline.shape[1] >= 1000
    video = cv2.VideoCapture(str(tmp_path / "annotated.mp4"))
    fourcc = int(video.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode().lower()
    assert fourcc in ("avc1", "h264")  # what browsers play; OpenCV's own writer gives mp4v
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 188
    ok, frame = video.read()
    assert ok and frame.shape == (360, 640, 3)
    page = (tmp_path / "report.html").read_text()
    # self-contained: every src is inside the page
    assert re.findall(r"src='([a-z]+):", page) == ["data", "data"]
    for figure in ("duration", "caution alerts", "warning alerts", "danger alerts",
                   "closest pass", "faults", "frames dropped"):
        assert f">{figure}<b>" in page


def test_motor_activity_follows_the_pattern_commands():
    events = [{"t": 1.0, "kind": "pattern", "pattern": "warning", "side": "left"},
              {"t": 3.0, "kind": "pattern", "pattern": "clear", "side": "centre"}]
    activity = motor_activity(events, [0.5, 1.05, 1.2, 2.9, 3.5])
    assert activity["left"] == [0.0, 0.8, 0.0, 0.8, 0.0]  # before, on, gap, next cycle, cleared
    assert activity["right"] == [0.0] * 5


def test_a_one_shot_plays_over_the_loop_which_then_starts_again():
    events = [{"t": 0.0, "kind": "pattern", "pattern": "caution", "side": "left"},
              {"t": 0.5, "kind": "pattern", "pattern": "muted", "side": "centre"}]
    # muted: 0.35 s at 0.4 on every motor; then caution starts its cycle again at 0.85 s
    activity = motor_activity(events, [0.1, 0.6, 0.9, 1.1])
    assert activity["left"] == [0.55, 0.4, 0.55, 0.0]
    assert activity["right"] == [0.0, 0.4, 0.0, 0.0]


def test_a_missing_events_file_is_a_one_line_error(tmp_path, capsys):
    from rearguard.cli import main

    clip = tmp_path / "clip"
    assert main(["report", str(clip), "--events", str(tmp_path / "none.jsonl")]) == 2
    assert "--events:" in capsys.readouterr().err
