"""`rearguard run` as a new user meets it: no config needed to simulate, a live status line,
bad --inject specs as one line, the detector's thread count said out loud; and stand-ins that
keep real time and bounded memory."""

from __future__ import annotations

import time

import pytest

from rearguard.boards import board_profile
from rearguard.cli import main
from rearguard.devices.testing import HISTORY, FakePicamera2, mock_factory
from rearguard.drive.live import Status, detector_threads
from rearguard.messages import AlertLevel

from .faults import CLIP


def test_simulate_a_clip_without_any_config(assets, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--simulate", "--video", str(assets / CLIP), "--seconds", "3"]) == 0
    err = capsys.readouterr().err
    assert "built-in defaults" in err and "stopped (3 s done)" in err


def test_without_simulate_a_missing_config_is_one_line(capsys, tmp_path):
    assert main(["run", "--config", str(tmp_path / "none.toml")]) == 2
    assert "no such configuration file" in capsys.readouterr().err


@pytest.mark.parametrize(("spec", "words"), [
    ("camera-stop", "expected KIND@START[+DURATION]"),
    ("camera-explode@1", "unknown kind 'camera-explode'"),
    ("ranger-i2c@1", "needs an mb1242 rangefinder"),
    ("disk-full@1", "needs recording"),
])
def test_a_bad_injection_is_one_line(spec, words, capsys, tmp_path):
    assert main(["run", "--simulate", "--inject", spec, "--seconds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert words in err[-1] and err[-1].startswith("rearguard: error: --inject")


def test_injection_needs_simulate(capsys, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("")
    assert main(["run", "--config", str(config), "--inject", "camera-stop@1"]) == 2
    assert "only with --simulate" in capsys.readouterr().err


def test_status_line_says_level_fps_tracks_and_faults():
    from rearguard.cli.run import StatusLine

    written: list[str] = []
    line = StatusLine(write=written.append, every_s=0.0)
    line(Status(AlertLevel.WARNING, 19.84, 2, ["camera"], True, []))
    line(Status(AlertLevel.CLEAR, 20.0, 0, [], False, []))
    assert written[0] == ("\rdegraded: camera lost, recording; level WARNING; 19.8 fps; "
                          "2 tracks; faults: camera")
    assert written[1].startswith("\rrunning; level CLEAR; 20.0 fps; 0 tracks; faults: none")
    assert len(written[1]) == len(written[0])  # padded over the longer line before


@pytest.mark.parametrize(("configured", "board", "cores", "expected"), [
    (0, "pi4", 2, 1), (0, "pi4", 4, 3), (0, "pi5", 8, 3), (0, "none", 4, 3), (0, "none", 1, 1),
    (2, "pi4", 2, 2),
])
def test_detector_threads_leave_a_core_for_the_loop(configured, board, cores, expected):
    threads, why = detector_threads(configured, board_profile(board), cores)
    assert threads == expected and why


def test_the_simulated_camera_keeps_real_time():
    camera = FakePicamera2()
    camera.configure(camera.create_video_configuration(lores={"size": (64, 48),
                                                              "format": "YUV420"}))
    camera.start()
    start = time.monotonic()
    for _ in range(6):
        request = camera.wait(camera.capture_request())
        stamp = request.get_metadata()["SensorTimestamp"] / 1e9
        assert stamp <= time.monotonic()  # never stamped ahead of the clock
    assert time.monotonic() - start >= 5 * camera.period_us / 1e6


def test_stand_in_pins_remember_a_bounded_history():
    factory = mock_factory()
    pin = factory.pin(18)
    pin.function = "output"
    for i in range(HISTORY * 2 + 10):
        pin.state = i % 2
    assert len(pin.changes) == HISTORY and len(pin.states) == HISTORY
    assert pin.changes[-1][1] == float((HISTORY * 2 + 9) % 2)


def test_a_missing_device_is_one_line_and_status_1(tmp_path, capsys):
    try:
        import picamera2  # noqa: F401
        pytest.skip("picamera2 is installed here: the camera may really open")
    except ImportError:
        pass
    config = tmp_path / "c.toml"
    config.write_text("")
    assert main(["run", "--config", str(config), "--seconds", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("rearguard: error: camera: picamera2 is not installed")


def test_a_dead_haptics_thread_is_not_a_quiet_exit_0(tmp_path, monkeypatch, capsys):
    """What NaN intensities once did: the motor thread died and `run` still said 0."""
    from rearguard.haptics import player

    def broken(self, side, intensity) -> None:
        raise ValueError("a bug in a driver")
    monkeypatch.setattr(player.PatternPlayer, "_set", broken)
    config = tmp_path / "c.toml"
    config.write_text("")
    assert main(["run", "--simulate", "--config", str(config), "--seconds", "1.5"]) == 1
    assert "haptics thread died" in capsys.readouterr().err
