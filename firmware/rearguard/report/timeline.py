"""The timeline: distance, time to contact, alert level and motor activity over time."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import cv2
import numpy as np

from rearguard.messages import AlertLevel, RangeReading
from rearguard.report.common import (
    LEVEL_COLOURS,
    level_at,
    level_changes,
    level_rank,
    motor_activity,
    track_colour,
)
from rearguard.session import Session

WIDTH, LEFT, RIGHT = 1200, 110, 20
PANELS = (("distance (m)", 180, 12.0), ("time to contact (s)", 160, 8.0),
          ("alert level", 90, 3.0), ("motors", 110, 3.0))
INK, GRID = (40, 40, 40), (220, 220, 220)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def timeline_png(session: Session, events: list[dict[str, Any]], thresholds=None) -> np.ndarray:
    """The timeline as an image (BGR), for cv2.imwrite."""
    t0, t1 = float(session.frame_times[0]), float(session.frame_times[-1])
    span = max(t1 - t0, 1e-3)
    height = sum(p[1] for p in PANELS) + 30 * len(PANELS) + 40
    image = np.full((height, WIDTH, 3), 255, np.uint8)

    def x(t: float) -> int:
        return LEFT + int((t - t0) / span * (WIDTH - LEFT - RIGHT))

    top = 20
    boxes = []
    for title, panel_height, _ in PANELS:
        boxes.append((top, top + panel_height))
        cv2.putText(image, title, (8, top + 14), FONT, 0.45, INK, 1, cv2.LINE_AA)
        cv2.rectangle(image, (LEFT, top), (WIDTH - RIGHT, top + panel_height), GRID, 1)
        top += panel_height + 30
    _time_axis(image, x, t0, t1, top - 20)
    for box, (_, _, maximum) in zip(boxes[:2], PANELS[:2], strict=True):
        for value in np.linspace(0, maximum, 5):
            y = _y(box, value, maximum)
            cv2.line(image, (LEFT - 4, y), (WIDTH - RIGHT, y), GRID, 1)
            cv2.putText(image, f"{value:g}", (LEFT - 30, y + 4), FONT, 0.35, INK, 1, cv2.LINE_AA)
    _tracks(image, x, boxes, events, session)
    _levels(image, x, boxes[2], events, session)
    _motors(image, x, boxes[3], events, session)
    if thresholds:
        _thresholds(image, boxes[1], thresholds)
    return image


def _y(box: tuple[int, int], value: float, maximum: float) -> int:
    top, bottom = box
    return bottom - int(min(max(value, 0.0), maximum) / maximum * (bottom - top))


def _time_axis(image, x, t0, t1, y) -> None:
    step = 1.0 if t1 - t0 <= 20 else 5.0
    t = np.ceil(t0)
    while t <= t1:
        cv2.line(image, (x(t), 20), (x(t), y - 10), GRID, 1)
        cv2.putText(image, f"{t:g}", (x(t) - 6, y + 4), FONT, 0.4, INK, 1, cv2.LINE_AA)
        t += step


def _tracks(image, x, boxes, events, session) -> None:
    series = defaultdict(list)
    for e in events:
        if e["kind"] == "track":
            series[e["id"]].append(e)
    for track_id, points in series.items():
        colour = track_colour(track_id)
        for key, box, maximum in (("distance_m", boxes[0], PANELS[0][2]),
                                  ("ttc_s", boxes[1], PANELS[1][2])):
            pts = [(x(p["t"]), _y(box, p[key], maximum)) for p in points if key in p]
            for a, b in itertools.pairwise(pts):
                cv2.line(image, a, b, colour, 2, cv2.LINE_AA)
    for r in session.sensors:
        if isinstance(r, RangeReading) and r.distance_m is not None:
            cv2.circle(image, (x(r.t), _y(boxes[0], r.distance_m, PANELS[0][2])), 2, INK,
                       cv2.FILLED)
    cv2.putText(image, "lines: tracks; dots: rangefinder", (LEFT + 6, boxes[0][0] + 14), FONT,
                0.4, INK, 1, cv2.LINE_AA)


def _levels(image, x, box, events, session) -> None:
    changes = level_changes(events)
    times = np.linspace(float(session.frame_times[0]), float(session.frame_times[-1]), 600)
    for a, b in itertools.pairwise(times):
        level = level_at(changes, a)
        y = _y(box, level_rank(level), 3.0)
        cv2.rectangle(image, (x(a), y), (x(b), box[1]), LEVEL_COLOURS[level], cv2.FILLED)
    for level in AlertLevel:
        cv2.putText(image, level.name, (LEFT - 70, _y(box, level.value, 3.0) + 4), FONT, 0.35,
                    INK, 1, cv2.LINE_AA)


def _motors(image, x, box, events, session) -> None:
    times = np.arange(float(session.frame_times[0]), float(session.frame_times[-1]), 0.01)
    activity = motor_activity(events, times)
    rows = list(activity)
    row_h = (box[1] - box[0]) // len(rows)
    for i, side in enumerate(rows):
        base = box[0] + (i + 1) * row_h - 4
        cv2.putText(image, side, (LEFT - 70, base - 4), FONT, 0.35, INK, 1, cv2.LINE_AA)
        for t, level in zip(times, activity[side], strict=True):
            if level > 0:
                cv2.line(image, (x(t), base), (x(t), base - int(level * (row_h - 8))),
                         (60, 110, 220), 1)


def _thresholds(image, box, thresholds) -> None:
    for name, value in thresholds.items():
        y = _y(box, value, PANELS[1][2])
        cv2.line(image, (LEFT, y), (WIDTH - RIGHT, y), (160, 160, 160), 1, cv2.LINE_4)
        cv2.putText(image, name, (WIDTH - RIGHT - 120, y - 3), FONT, 0.35, INK, 1, cv2.LINE_AA)
