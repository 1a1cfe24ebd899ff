"""Options of the hardware-in-the-loop suite (pytest -m hil)."""

from __future__ import annotations

import pytest

from rearguard.boards import PROFILES


def pytest_addoption(parser):
    parser.addoption("--hardware", action="store_true",
                     help="drive the real motor pins of this Pi and read them back through "
                          "the loopback jumpers (hw/loopback.md)")
    parser.addoption("--profile", choices=sorted(PROFILES),
                     help="board profile for every scenario (default: each scenario's own)")


@pytest.fixture(scope="session")
def hardware(request) -> bool:
    return request.config.getoption("--hardware")


@pytest.fixture(scope="session")
def profile_override(request) -> str | None:
    return request.config.getoption("--profile")
