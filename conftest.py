"""Command-line options of the test suite. pytest reads options only from the root conftest
(or a plugin), so they are declared here and not beside the tests that use them."""

from __future__ import annotations

import pytest

from rearguard.boards import PROFILES


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
