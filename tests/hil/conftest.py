"""Fixtures of the hardware-in-the-loop suite (pytest -m hil). Its options (--hardware,
--profile) are declared in the root conftest.py: pytest reads options only there."""

from __future__ import annotations

from pathlib import Path

import pytest

PI_MODEL = Path("/proc/device-tree/model")


def raspberry_pi_model() -> str | None:
    """This board's model string if it is a Raspberry Pi, else None."""
    try:
        model = PI_MODEL.read_bytes().rstrip(b"\0").decode(errors="replace")
    except OSError:
        return None
    return model if "Raspberry Pi" in model else None


@pytest.fixture(scope="session")
def hardware(request) -> bool:
    """True with --hardware on a Pi; False without --hardware (mock pins); with --hardware on
    another machine the test skips, saying why, instead of failing on missing GPIO."""
    if not request.config.getoption("--hardware"):
        return False
    if raspberry_pi_model() is None:
        pytest.skip(f"--hardware needs a Raspberry Pi ({PI_MODEL} does not name one)")
    return True


@pytest.fixture(scope="session")
def profile_override(request) -> str | None:
    return request.config.getoption("--profile")
