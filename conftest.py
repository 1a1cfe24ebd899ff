"""Command-line options of the test suite. pytest reads options only from the root conftest
(or a plugin), so they are declared here and not beside the tests that use them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rearguard.boards import PROFILES

PI_MODEL = Path("/proc/device-tree/model")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hardware", action="store_true",
                     help="on a Raspberry Pi: drive the real GPIO, I2C and camera of the "
                          "hardware-in-the-loop bench (hw/loopback.md); elsewhere those checks "
                          "skip with the reason")
    parser.addoption("--staging", action="store_true",
                     help="also run the slow install tests: scripts/setup --root into a staging "
                          "tree, twice, and scripts/deploy over SSH (.ci/run passes it)")
    parser.addoption("--profile", choices=sorted(PROFILES),
                     help="board profile for every HIL scenario (default: each scenario's own)")


def raspberry_pi_model() -> str | None:
    """This board's model string if it is a Raspberry Pi, else None."""
    try:
        model = PI_MODEL.read_bytes().rstrip(b"\0").decode(errors="replace")
    except OSError:
        return None
    return model if "Raspberry Pi" in model else None


@pytest.fixture(scope="session")
def hardware(request: pytest.FixtureRequest) -> bool:
    """True with --hardware on a Pi; False without --hardware (mock pins); with --hardware on
    another machine the test skips, saying why, instead of failing on missing GPIO."""
    if not request.config.getoption("--hardware"):
        return False
    if raspberry_pi_model() is None:
        pytest.skip(f"--hardware needs a Raspberry Pi ({PI_MODEL} does not name one)")
    return True


@pytest.fixture(scope="session")
def profile_override(request: pytest.FixtureRequest) -> str | None:
    return request.config.getoption("--profile")
