"""What the report's drawings share: colours, levels over time, motor activity over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rearguard.haptics.playback import intensity_at, motor_timeline
from rearguard.messages import AlertCommand, AlertLevel, BodySide

LEVEL_HEX = {"CLEAR": "#3ca05a", "CAUTION": "#e6c800", "WARNING": "#ff8200",
             "DANGER": "#dc2828"}
TRACK_HEX = ["#2878e6", "#4bb43c", "#c850c8", "#c8aa28", "#f07878", "#28a0c8", "#285a8c",
             "#a0c85a"]


def bgr(hex_colour: str) -> tuple[int, int, int]:
    """An HTML colour as OpenCV's (blue, green, red)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return b, g, r


LEVEL_COLOURS = {name: bgr(value) for name, value in LEVEL_HEX.items()}  # BGR, for OpenCV


def track_hex(track_id: int) -> str:
    return TRACK_HEX[track_id % len(TRACK_HEX)]


def track_colour(track_id: int) -> tuple[int, int, int]:
    return bgr(track_hex(track_id))


def level_changes(events: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """(t, level) at every change, starting CLEAR."""
    return [(float("-inf"), "CLEAR")] + [(e["t"], e["level"]) for e in events
                                         if e["kind"] == "alert"]


def level_at(changes: list[tuple[float, str]], t: float) -> str:
    level = "CLEAR"
    for when, name in changes:
        if when > t:
            break
        level = name
    return level


def pattern_commands(events: list[dict[str, Any]]) -> list[AlertCommand]:
    """The commands to the motors in an event log."""
    return [AlertCommand(e["t"], AlertLevel[e.get("level", "CLEAR")], e["pattern"],
                         BodySide(e.get("side", "centre")))
            for e in events if e["kind"] == "pattern"]


def motor_activity(events: list[dict[str, Any]], times: Sequence[float],
                   sides: Sequence[BodySide] = tuple(BodySide)) -> dict[str, list[float]]:
    """Strength of each side's motor at each of ``times``, as the pattern player plays them."""
    end = max(times[-1], max((e["t"] for e in events), default=0.0)) + 1.0 if len(times) else 0.0
    stretches = motor_timeline(pattern_commands(events), end, sides)
    return {side.value: [intensity_at(stretches, float(t), side) for t in times]
            for side in sides}


def level_rank(name: str) -> int:
    return AlertLevel[name].value
