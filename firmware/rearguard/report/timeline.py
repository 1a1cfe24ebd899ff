"""The timeline chart, drawn with matplotlib (the optional ``report`` extra).

Four panels over one time axis: distance of every track and the rangefinder's echoes; time to
contact with the alert thresholds; the alert level; the strength of each motor. A legend names
every track by id and class.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rearguard.cli import UsageError
from rearguard.messages import AlertLevel, BodySide, RangeReading
from rearguard.report.common import (
    LEVEL_HEX,
    level_at,
    level_changes,
    level_rank,
    motor_activity,
    track_hex,
)
from rearguard.session import Session

MAX_DISTANCE_M, MAX_TTC_S = 12.0, 8.0
MAX_NAMED_TRACKS = 10
THRESHOLD_STYLE = {"caution": ":", "warning": "--", "danger": "-."}


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("the timeline needs matplotlib: pip install 'rearguard[report]'") from None
    matplotlib.use("Agg")  # files only: no display on a Pi or a CI runner
    import matplotlib.pyplot as plt

    return plt


def timeline_png(session: Session, events: list[dict[str, Any]],
                 thresholds: Mapping[str, float] | None = None,
                 sides: Sequence[BodySide] = tuple(BodySide)) -> bytes:
    """The timeline as PNG bytes; times are seconds from the session's first frame."""
    plt = _pyplot()
    t0 = float(session.frame_times[0])
    t1 = max(float(session.frame_times[-1]), t0 + 1e-3)
    fig, axes = plt.subplots(4, 1, sharex=True, figsize=(11, 8.5), layout="constrained",
                             height_ratios=(3, 2.5, 1.4, 1.6))
    distance, ttc, level, motors = axes
    _tracks(distance, ttc, events, t0)
    _echoes(distance, session, t0)
    _thresholds(ttc, thresholds or {})
    _levels(level, events, t0, t1)
    _motors(motors, events, t0, t1, sides)
    motors.set_xlabel("time since the first frame (s)")
    motors.set_xlim(0, t1 - t0)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _tracks(distance, ttc, events, t0: float) -> None:
    """Tracks an alert named get a colour and a legend entry; the rest are thin grey lines."""
    series: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["kind"] == "track":
            series[e["id"]].append(e)
    named = sorted({e["track"] for e in events if e["kind"] == "alert" and "track" in e}
                   & set(series))[:MAX_NAMED_TRACKS]
    others = [i for i in series if i not in named]
    for track_id in others + named:
        points = series[track_id]
        style = {"color": track_hex(track_id), "linewidth": 1.8,
                 "label": f"#{track_id} {points[0]['label']}"} if track_id in named else \
            {"color": "#bbbbbb", "linewidth": 0.8}
        for axis, key in ((distance, "distance_m"), (ttc, "ttc_s")):
            xy = [(p["t"] - t0, p[key]) for p in points if key in p]
            if xy:
                xs, ys = zip(*xy, strict=True)
                axis.plot(xs, ys, **style)
    if others:
        distance.plot([], [], color="#bbbbbb", linewidth=0.8, label=f"{len(others)} other tracks")
    distance.set_ylabel("distance (m)")
    distance.set_ylim(0, MAX_DISTANCE_M)
    ttc.set_ylabel("time to contact (s)")
    ttc.set_ylim(0, MAX_TTC_S)
    for axis in (distance, ttc):
        axis.grid(True, color="#dddddd")


def _echoes(distance, session: Session, t0: float) -> None:
    echoes = [(r.t - t0, r.distance_m) for r in session.sensors
              if isinstance(r, RangeReading) and r.distance_m is not None]
    if echoes:
        xs, ys = zip(*echoes, strict=True)
        distance.scatter(xs, ys, s=6, color="#333333", label="rangefinder echo", zorder=3)
    if distance.get_legend_handles_labels()[0]:
        distance.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                        title="tracks (alerts)", title_fontsize="small")


def _thresholds(ttc, thresholds: Mapping[str, float]) -> None:
    lines = [ttc.axhline(value, color=LEVEL_HEX[name.upper()],
                         linestyle=THRESHOLD_STYLE.get(name, "-"), linewidth=1.2,
                         label=f"{name} {value:g} s")
             for name, value in thresholds.items()]
    if lines:
        ttc.legend(handles=lines, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                   fontsize="small", title="thresholds", title_fontsize="small")


def _levels(axis, events, t0: float, t1: float) -> None:
    changes = level_changes(events)
    times = np.linspace(t0, t1, 800)
    ranks = [level_rank(level_at(changes, t)) for t in times]
    for level in AlertLevel:
        mask = np.array(ranks) >= level.value
        if level is not AlertLevel.CLEAR and mask.any():
            axis.fill_between(times - t0, 0, level.value, where=mask, step="post",
                              color=LEVEL_HEX[level.name], linewidth=0)
    axis.step(times - t0, ranks, where="post", color="#333333", linewidth=1)
    axis.set_yticks([lv.value for lv in AlertLevel], [lv.name for lv in AlertLevel])
    axis.set_ylim(-0.2, 3.3)
    axis.set_ylabel("alert level")


def _motors(axis, events, t0: float, t1: float, sides: Sequence[BodySide]) -> None:
    times = np.arange(t0, t1, 0.01)
    activity = motor_activity(events, times, sides)
    for row, side in enumerate(sides):
        strength = np.array(activity[side.value])
        axis.fill_between(times - t0, row, row + 0.8 * strength, step="post", color="#3c6edc",
                          linewidth=0)
    axis.set_yticks([row + 0.4 for row in range(len(sides))], [s.value for s in sides])
    axis.set_ylim(-0.1, len(sides))
    axis.set_ylabel("motors")
