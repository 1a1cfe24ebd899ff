"""Hardware-in-the-loop on synthetic running-speed scenes: render a few catalogue scenes
(`rearguard synth`), replay them with the Pi 4's inference time, and check them against the
truth they were rendered with (their expect.toml: windows from the design's requirements).

    REARGUARD_ASSETS=../shared .venv/bin/pytest -m hil -s tests/hil/test_synth_scenes.py
"""

from __future__ import annotations

import pytest

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.messages import AlertLevel
from rearguard.session import open_session
from rearguard.session.expect import alert_starts, check, parse_expectations
from rearguard.synth import load_scene
from rearguard.synth.output import render

pytestmark = pytest.mark.hil


@pytest.fixture(scope="module")
def detector(assets):
    return open_detector(load_config(None).detector, board_profile("pi4"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, assets):
    folder = tmp_path_factory.mktemp("synth")

    def scene(name: str):
        out = folder / name
        if not out.exists():
            render(load_scene(name), out)
        return out
    return scene


_REPLAYS: dict = {}


def replay(folder, detector):
    """Replay a rendered scene once per test run (rendering and replay are the slow part)."""
    if folder not in _REPLAYS:
        session = open_session(folder)
        expect = parse_expectations(session.expect, f"{folder}/expect.toml")
        _REPLAYS[folder] = expect, replay_session(session, load_config(None), detector,
                                                  board_profile(expect.profile))
    return _REPLAYS[folder]


def first_rise(events, level: AlertLevel) -> float | None:
    times = [t for t, lv in alert_starts(events) if lv >= level]
    return times[0] if times else None


def test_jogger_in_path_is_warned_2_1_s_ahead_and_danger_comes_by_contact(rendered, detector,
                                                                        capsys):
    expect, result = replay(rendered("jogger-in-path"), detector)
    verdict = check(expect, result.events)
    danger = first_rise(result.events, AlertLevel.DANGER)
    with capsys.disabled():
        print("\n  " + verdict.summary("jogger-in-path (synthetic)")
              + f"\n    DANGER at {danger} s, contact at {expect.contact_t} s")
    assert verdict.passed, verdict.summary("jogger-in-path")
    assert verdict.lead_time_s is not None and verdict.lead_time_s >= 2.1
    assert danger is not None and danger <= expect.contact_t


def test_cyclist_passing_beside_the_path_is_not_warned(rendered, detector, capsys):
    expect, result = replay(rendered("cyclist-passing"), detector)
    verdict = check(expect, result.events)
    with capsys.disabled():
        print("\n  " + verdict.summary("cyclist-passing (synthetic)"))
    assert [c.in_path for c in expect.contacts] == [False]
    assert verdict.passed, verdict.summary("cyclist-passing")


def test_a_firmware_that_never_warns_fails_the_jogger(rendered, detector):
    """The check above can fail: without its alerts the same replay misses the window."""
    expect, result = replay(rendered("jogger-in-path"), detector)
    quiet = [e for e in result.events if e["kind"] != "alert"]
    verdict = check(expect, quiet)
    assert not verdict.passed and verdict.missed_alerts == 1
