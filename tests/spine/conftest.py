"""The long checks (marked ``soak``) run only when asked for: ``pytest -m soak``.

Done here rather than with ``-m "not soak"`` in addopts, which any other ``-m`` on the command
line (``-m hil``, ``-m "not hil"``) would replace.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("markexpr") or ""
    if "soak" in wanted.replace("not soak", ""):
        return
    soak = [item for item in items if item.get_closest_marker("soak")]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]
