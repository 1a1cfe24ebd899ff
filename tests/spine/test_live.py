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


