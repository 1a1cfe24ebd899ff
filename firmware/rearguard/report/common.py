"""What the report drawings share: colours, levels over time, motor activity over time."""

from __future__ import annotations

from typing import Any

from rearguard.haptics.patterns import PATTERNS
from rearguard.messages import AlertLevel

LEVEL_COLOURS = {  # BGR
    "CLEAR": (90, 160, 60), "CAUTION": (0, 200, 230), "WARNING": (0, 130, 255),
    "DANGER": (40, 40, 220)}
TRACK_COLOURS = [(230, 120, 40), (60, 180, 75), (200, 80, 200), (40, 170, 200), (120, 120, 240),
                 (200, 160, 40), (140, 90, 40), (90, 200, 160)]


def track_colour(track_id: int) -> tuple[int, int, int]:
    return TRACK_COLOURS[track_id % len(TRACK_COLOURS)]


def level_changes(events: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """(t, level) at every change, starting CLEAR."""
    return [(0.0, "CLEAR")] + [(e["t"], e["level"]) for e in events if e["kind"] == "alert"]


def level_at(changes: list[tuple[float, str]], t: float) -> str:
    level = "CLEAR"
    for when, name in changes:
        if when > t:
            break
        level = name
    return level


def motor_activity(events: list[dict[str, Any]], times, sides=("left", "centre", "right")):
    """Intensity of each side's motor at each of ``times``, from the pattern commands."""
    commands = [e for e in events if e["kind"] == "pattern"]
    activity = {side: [] for side in sides}
    background = None
    for t in times:
        current = None
        for c in commands:
            if c["t"] > t:
                break
            pattern = PATTERNS[c["pattern"]]
            if pattern.repeat or pattern.name == "clear":
                background = c
            current = c
        for side in sides:
            activity[side].append(_intensity(current, background, t, side))
    return activity


def _intensity(current, background, t, side) -> float:
    for command in (current, background):
        if command is None:
            continue
        pattern = PATTERNS[command["pattern"]]
        elapsed = t - command["t"]
        if not pattern.repeat and elapsed > pattern.duration_s:
            continue  # a finished one-shot: the background plays
        on_side = not pattern.directional or command.get("side", "centre") == side
        return pattern.intensity_at(elapsed) if on_side else 0.0
    return 0.0


def level_rank(name: str) -> int:
    return AlertLevel[name].value
