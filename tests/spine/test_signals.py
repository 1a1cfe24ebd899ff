"""Stopping: SIGTERM and SIGINT end the run cleanly within a second; a long press of the button
plays the shutdown pattern, finishes the session and powers off when the service allows it."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from rearguard.cli import run as run_cli
from rearguard.session import open_session

from .faults import echo_at, simulated_run

MOTOR_PINS = (12, 18, 13)


def _motors_off(result) -> bool:
    return all(result.sim.pins.pin(p).state == 0 for p in MOTOR_PINS)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_motors_finishes_the_session_and_exits_0_within_1_s(
        signum, tmp_path, monkeypatch):
    sent: list[float] = []

    def send(sim) -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signum)

    config = f'[recording]\ndir = "{tmp_path / "sessions"}"\n'
    result = simulated_run(tmp_path, seconds=30, config_text=config, record=True,
                           steer=[(1.0, echo_at(0.5)), (2.0, send)])
    returned = time.monotonic()
    assert result.status == 0
    assert returned - sent[0] < 1.0, f"took {returned - sent[0]:.2f} s to stop"
    assert result.patterns(("danger",), 0)  # the motors were busy when the signal came
    assert _motors_off(result)
    (stop,) = result.kinds("stop")
    assert stop["reason"] == signum.name
    (folder,) = (tmp_path / "sessions").iterdir()
    assert open_session(folder).frame_count > 0  # a finished session that replays
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers put back


def _press(pin, seconds: float):
    def steer(sim) -> None:
        button = sim.pins.pin(pin)
        button.drive_low()  # pressed: the button pulls the pin to ground
        threading.Timer(seconds, button.drive_high).start()
    return steer


@pytest.mark.parametrize("allowed", [True, False])
def test_a_long_press_plays_shutdown_finishes_and_powers_off_when_allowed(
        allowed, tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(run_cli.subprocess, "run", lambda argv, **kw: calls.append(argv))
    config = (f'[button]\npin = 26\nlong_press_s = 0.5\n'
              f'[recording]\ndir = "{tmp_path / "sessions"}"\n')
    start = time.monotonic()
    result = simulated_run(tmp_path, seconds=30, config_text=config, record=True,
                           steer=[(1.0, _press(26, 0.8))],
                           extra_args=["--allow-poweroff"] if allowed else [])
    assert result.status == 0 and time.monotonic() - start < 10
    (shutdown,) = result.patterns(("shutdown",), 0)
    assert result.kinds("shutdown") and result.kinds("button")[0]["press"] == "long"
    # The whole pattern is felt before the motors stop: its last pulse reaches the pins.
    changes = result.sim.pins.pin(18).changes
    assert any(t > shutdown["t"] + 1.1 and v > 0 for t, v in changes)
    assert _motors_off(result)
    (folder,) = (tmp_path / "sessions").iterdir()
    assert open_session(folder).frame_count > 0
    assert calls == ([["systemctl", "poweroff"]] if allowed else [])
