"""One report of a real scenario, made once and shared by the page's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from rearguard.cli import main

SCENARIO = Path(__file__).parents[1] / "scenarios" / "approach_two_women"


@pytest.fixture(scope="session")
def report_dir(assets, tmp_path_factory) -> Path:
    pytest.importorskip("matplotlib", reason="the report extra (matplotlib) is not installed")
    pytest.importorskip("imageio_ffmpeg",
                        reason="the report extra (imageio-ffmpeg) is not installed")
    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(SCENARIO), "--out", str(out)]) == 0
    return out
