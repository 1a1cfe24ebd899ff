"""`rearguard sessions`: recorded runs listed with their figures; old ones removed, only them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rearguard.cli import main
from rearguard.messages import Frame
from rearguard.session import SessionWriter


def record(folder: Path, created: str, seconds: float, alerts: list[str], faults: int = 0):
    meta = {"created": created, "video": {"width": 32, "height": 24}}
    with SessionWriter(folder, meta) as w:
        for i in range(int(seconds * 10) + 1):
            w.add_frame(Frame(100.0 + i / 10, i, np.full((24, 32, 3), i % 255, np.uint8)))
        for n, level in enumerate(alerts):
            w.add_event({"t": 100.0 + n, "kind": "alert", "level": level, "previous": "CLEAR"})
        for n in range(faults):
            w.add_event({"t": 101.0 + n, "kind": "fault", "stage": "ranger", "active": True})


@pytest.fixture
def sessions(tmp_path) -> Path:
    root = tmp_path / "sessions"
    record(root / "20261101-080000", "2026-11-01T08:00:00+0000", 2.0, ["CAUTION"])
    record(root / "20261120-080000", "2026-11-20T08:00:00+0000", 3.0,
           ["CAUTION", "WARNING", "DANGER", "CLEAR"], faults=1)
    record(root / "20261130-080000", "2026-11-30T08:00:00+0000", 1.0, [])
    (root / "notes.txt").write_text("not a session")
    (root / "photos").mkdir()
    return root


def test_lists_every_session_with_its_figures(sessions, capsys):
    assert main(["sessions", "--dir", str(sessions), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["sessions"]
    assert [Path(s["path"]).name for s in listed] == [
        "20261101-080000", "20261120-080000", "20261130-080000"]  # oldest first
    middle = listed[1]
    assert middle["duration_s"] == 3.0 and middle["faults"] == 1
    assert middle["alerts_by_level"] == {"CAUTION": 1, "WARNING": 1, "DANGER": 1}
    assert middle["start"].startswith("2026-11-20T08:00:00") and middle["size_bytes"] > 0
    assert main(["sessions", "--dir", str(sessions)]) == 0
    table = capsys.readouterr().out
    assert "20261120-080000" in table and "3 sessions" in table


def test_keep_removes_the_oldest_and_nothing_else(sessions, capsys):
    assert main(["sessions", "--dir", str(sessions), "--keep", "1", "--dry-run"]) == 0
    assert "2 would be removed" in capsys.readouterr().out
    assert len([p for p in sessions.iterdir() if p.name.startswith("2026")]) == 3
    assert main(["sessions", "--dir", str(sessions), "--keep", "1"]) == 0
    assert sorted(p.name for p in sessions.iterdir()) == ["20261130-080000", "notes.txt",
                                                         "photos"]


def test_older_than_goes_by_the_recorded_start(sessions, capsys):
    assert main(["sessions", "--dir", str(sessions), "--older-than", "0", "--json"]) == 0
    removed = json.loads(capsys.readouterr().out)["removed"]
    assert len(removed) == 3  # all started in the past
    assert sorted(p.name for p in sessions.iterdir()) == ["notes.txt", "photos"]


def test_a_bad_count_is_a_usage_error(sessions, capsys):
    assert main(["sessions", "--dir", str(sessions), "--keep", "-1"]) == 2
    assert "--keep" in capsys.readouterr().err
    assert main(["sessions", "--dir", str(sessions / "nope")]) == 2
    assert "--dir:" in capsys.readouterr().err


def test_age_limit_counts_from_now(sessions):
    from datetime import datetime

    from rearguard.session.listing import list_sessions, to_remove

    now = datetime.fromisoformat("2026-11-30T12:00:00+00:00")
    found = list_sessions(sessions)
    old = to_remove(found, older_than_days=5, now=now)
    assert [s.path.name for s in old] == ["20261120-080000", "20261101-080000"]
    assert to_remove(found, older_than_days=30, now=now) == []
