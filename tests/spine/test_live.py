"""The live loop on the stand-ins: a clip as the camera, simulated HC-SR04 and motors."""

from __future__ import annotations

import time

import pytest

from rearguard.boards import board_profile
from rearguard.cli import main
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.devices.factory import open_devices, simulation
from rearguard.devices.testing import FakePicamera2
from rearguard.drive.live import LiveLoop
from rearguard.session import open_session, read_events

CLIP = "footage/street_level_people_approaching.mp4"


def test_run_simulated_records_a_session_that_replays(assets, tmp_path, capsys):
    config = tmp_path / "device.toml"
    config.write_text(f'[recording]\nenabled = true\ndir = "{tmp_path / "sessions"}"\n')
    events = tmp_path / "events.jsonl"
    assert main(["run", "--config", str(config), "--simulate", "--video",
                 str(assets / CLIP), "--seconds", "3", "--events", str(events)]) == 0
    (recorded,) = (tmp_path / "sessions").iterdir()
    session = open_session(recorded)
    assert session.frame_count >= 40  # ~24 fps for 3 s
    ranges = [s for s in session.sensors if hasattr(s, "distance_m")]
    assert len(ranges) >= 20 and ranges[0].distance_m == pytest.approx(2.5, abs=0.01)
    logged = read_events(events)
    assert {"frame", "detection", "track", "range"} <= {e["kind"] for e in logged}
    # The pixels thread measured the detector's boxes before the core got them.
    assert any(e["kind"] == "detection" and e.get("growth") is not None for e in logged)
    # Frames the far view shares went on in two parts (the full view's boxes beside the far
    # window first, tracked before the rest came): one frame event each all the same.
    done = [e["index"] for e in logged if e["kind"] == "frame" and "done" in e]
    assert len(done) == len(set(done)) and any(e.get("view") == "far" for e in logged)
    assert any(_in_two_parts(logged, index) for index in done)
    assert read_events(recorded / "events.jsonl") == read_events(events)
    assert main(["replay", str(recorded), "--out", str(tmp_path / "replay")]) == 0


def test_a_camera_that_stops_becomes_a_fault_the_runner_feels(assets):
    config = load_config(None)
    sim = simulation(config)
    sim.camera = FakePicamera2(stop_after=5)
    devices = open_devices(config, sim=sim)
    detector = open_detector(config.detector, board_profile("none"))
    played, records = [], []
    loop = LiveLoop(config, detector, devices.camera, devices.rangefinders, played.append,
                    records.append)
    start = time.monotonic()
    try:
        loop.run(duration_s=2.0)
    finally:
        devices.close()
    assert time.monotonic() - start < 5
    faults = [r for r in records if r["kind"] == "fault" and r["stage"] == "camera"]
    assert faults and faults[0]["active"] is True
    patterns = [c.pattern for c in played]
    assert "fault-camera" in patterns  # rangefinder alone: the runner is told
    assert any(r["kind"] == "range" for r in records)  # and the rest keeps working




def _in_two_parts(logged: list[dict], index: int) -> bool:
    """Did frame ``index``'s detections reach the core in two batches, tracks between?"""
    batches, inside = 0, False
    for e in logged:
        if e["kind"] == "detection" and e["frame"] == index:
            batches += not inside
            inside = True
        elif e["kind"] == "track":
            inside = False
    return batches == 2
