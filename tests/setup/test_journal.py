"""What the service tells the journal: one line per event, no timestamps under systemd."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

from rearguard.config import load_config
from rearguard.core.pipeline import Core
from rearguard.journal import describe_event, journal_sink
from rearguard.messages import Stage
from tests.setup.conftest import REPO

TIME = re.compile(r"\d\d:\d\d:\d\d")


def test_faults_from_the_core_reach_the_journal_with_their_cause(caplog):
    passed_on: list[dict] = []
    core = Core(load_config(None), {"person": 1.7}, journal_sink(passed_on.append),
                watched=frozenset({Stage.CAMERA}))
    with caplog.at_level(logging.INFO, logger="rearguard"):
        core.tick(0.0)
        core.tick(3.0)  # no frame for 3 s: camera lost
        core.on_frame(3.1, 0)
        core.tick(3.2)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    limit = load_config(None).supervisor.camera_stale_s
    assert (logging.WARNING, f"fault: camera lost: nothing for 3.0 s (limit {limit:g} s)") \
        in lines
    assert (logging.INFO, "fault cleared: camera is back") in lines
    assert [r["kind"] for r in passed_on if r["kind"] == "fault"] == ["fault", "fault"]
    assert any(r["kind"] == "pattern" for r in passed_on)  # every record is passed on


def test_an_alert_line_says_what_where_and_why():
    level, text = describe_event({
        "t": 1.0, "kind": "alert", "level": "WARNING", "previous": "CAUTION", "label": "person",
        "track": 3, "distance_m": 4.21, "ttc_s": 2.31, "side": "left",
        "reason": "ttc 2.31 s <= warning_ttc_s 2.5"})
    assert level == logging.WARNING
    assert text == ("alert WARNING (was CAUTION): person track 3 at 4.2 m, 2.3 s to contact, "
                    "left side; because ttc 2.31 s <= warning_ttc_s 2.5")
    assert describe_event({"t": 1.0, "kind": "shutdown", "reason": "long press"}) == (
        logging.INFO, "shutdown requested: long press")
    assert describe_event({"t": 1.0, "kind": "track", "id": 3}) is None  # not for the journal


def _run_simulated(env_extra: dict[str, str]) -> list[str]:
    env = {**os.environ, **env_extra, "PYTHONPATH": str(REPO / "firmware")}
    out = subprocess.run(
        [sys.executable, "-m", "rearguard", "run", "--simulate", "--seconds", "1", "--config",
         str(REPO / "firmware/rearguard/config/example.toml")],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return out.stderr.splitlines()


def test_under_systemd_lines_have_a_priority_and_no_timestamp(assets):
    lines = _run_simulated({"JOURNAL_STREAM": "8:1234"})
    assert lines and all(line.startswith("<") and not TIME.search(line) for line in lines), lines
    start = next(line for line in lines if "start:" in line)
    for part in ("<6>rearguard: start: model ", "board pi4", "1 detector threads",
                 "pin factory MockFactory", "rangefinder rear hcsr04 GPIO 23/24", "button"):
        assert part in start, (part, start)
    assert any(line.startswith("<6>rearguard: stopped") for line in lines), lines


def test_at_a_terminal_lines_have_a_time(assets):
    lines = _run_simulated({"JOURNAL_STREAM": ""})
    assert all(TIME.match(line) for line in lines), lines
