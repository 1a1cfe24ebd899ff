"""Helpers for the tests of the install: the setup script, the service unit, the pin map."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def need_tool(name: str) -> str:
    """The path of a system tool; skips where it is missing, but fails in CI (CI=true), where
    .ci/run installs it and a skip would hide a check that did not run."""
    path = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None)
    if path is None:
        message = f"{name} is not installed here (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def staging(request: pytest.FixtureRequest) -> None:
    """Tests that build a whole venv (a minute or more): only with --staging (.ci/run)."""
    if not request.config.getoption("--staging"):
        pytest.skip("builds a venv with scripts/setup --root: run with --staging (.ci/run does)")
