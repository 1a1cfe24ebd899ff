"""`rearguard patterns --describe`: which patterns loop, how strong each is, and the chart."""

from __future__ import annotations

import cv2

from rearguard.cli import main


def test_describe_says_which_patterns_loop_and_their_strength(tmp_path, capsys):
    chart = tmp_path / "chart.png"
    assert main(["patterns", "--describe", "--chart", str(chart)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert "loops, one side" in rows["warning"] and " 80% " in rows["warning"]
    assert "loops" in rows["fault-both"] and "one side" not in rows["fault-both"]
    assert "once" in rows["armed"] and " 100% " in rows["armed"]
    assert cv2.imread(str(chart)) is not None
