"""Shared fixtures. The asset folder (models, footage) comes from REARGUARD_ASSETS.

Tests that need assets skip on a developer machine without them, but fail in CI (CI=true),
where a missing asset folder means the run is not testing what it claims to.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rearguard.assets import ENV_VAR, assets_dir

# The README's command gives a relative folder (../shared); tests that change directory must
# still find it, so it is made absolute once, before any test runs.
if os.environ.get(ENV_VAR, "").strip():
    os.environ[ENV_VAR] = str(assets_dir().resolve())


@pytest.fixture(scope="session")
def assets() -> Path:
    """The asset folder, with models/, images/, footage/ and ultrasonic/."""
    folder = assets_dir()
    if not (folder / "models").is_dir():
        message = f"asset folder {folder} has no models/ (set {ENV_VAR})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder
