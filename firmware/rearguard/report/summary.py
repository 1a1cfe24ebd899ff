"""The figures and the event table at the top of a report, from a session and its event log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rearguard.messages import AlertLevel
from rearguard.report.video import video_fps
from rearguard.session import Session

TABLE_KINDS = ("alert", "fault", "button", "mute", "shutdown")


@dataclass
class Closest:
    distance_m: float
    t: float  # seconds from the first frame
    what: str  # "#3 person", or "rangefinder rear"


@dataclass
class Summary:
    duration_s: float
    alerts_by_level: dict[str, int]
    closest: Closest | None
    faults: list[dict[str, Any]]
    frames_total: int
    frames_dropped: int
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """One line of the event table."""

    t: float  # seconds from the first frame
    video_s: float  # where that moment is in the annotated video
    kind: str
    level: str  # the alert level for alerts, else ""
    text: str


def summarize(session: Session, events: list[dict[str, Any]]) -> Summary:
    t0 = float(session.frame_times[0])
    alerts = [e for e in events if e["kind"] == "alert"]
    return Summary(
        duration_s=float(session.frame_times[-1]) - t0,
        alerts_by_level={lv.name: sum(a["level"] == lv.name for a in alerts)
                         for lv in AlertLevel if lv is not AlertLevel.CLEAR},
        closest=closest_pass(events, t0),
        faults=[e for e in events if e["kind"] == "fault" and e.get("active")],
        frames_total=session.frame_count,
        frames_dropped=sum(1 for e in events if e["kind"] == "frame" and e.get("dropped")),
        notes=list(session.notes))


def closest_pass(events: Iterable[dict[str, Any]], t0: float) -> Closest | None:
    """The nearest anything came: a track's distance or a rangefinder echo."""
    best: Closest | None = None
    for e in events:
        if e["kind"] not in ("track", "range") or "distance_m" not in e:
            continue
        if best is None or e["distance_m"] < best.distance_m:
            what = f"#{e['id']} {e['label']}" if e["kind"] == "track" else \
                f"rangefinder {e.get('sensor', '')}".strip()
            best = Closest(e["distance_m"], e["t"] - t0, what)
    return best


def event_rows(session: Session, events: Iterable[dict[str, Any]]) -> list[Row]:
    """The moments a person looks for: alerts, faults, button presses, mute and shutdown."""
    times = session.frame_times
    t0 = float(times[0])
    frame_s = 1.0 / video_fps(session)  # as the annotated video is written
    rows = []
    for e in events:
        if e["kind"] not in TABLE_KINDS:
            continue
        frame = max(int(np.searchsorted(times, e["t"], side="right")) - 1, 0)
        rows.append(Row(e["t"] - t0, frame * frame_s, e["kind"],
                        e.get("level", "") if e["kind"] == "alert" else "", describe(e)))
    return rows


def describe(e: dict[str, Any]) -> str:
    """One event in words."""
    kind = e["kind"]
    if kind == "alert":
        who = f"{e.get('label', '')} #{e['track']}" if "track" in e else ""
        parts = [f"{e.get('previous', '?')} → {e['level']}", who]
        if "distance_m" in e:
            parts.append(f"{e['distance_m']:.1f} m")
        if "side" in e:
            parts.append(f"on the {e['side']}")
        parts.append(e.get("reason", ""))
        return ", ".join(p for p in parts if p)
    if kind == "fault":
        state = "lost" if e.get("active") else "back"
        return f"{e['stage']} {state}" + (f": {e['cause']}" if e.get("cause") else "")
    if kind == "button":
        return f"{e['press']} press"
    if kind == "mute":
        return "alerts paused" if e.get("paused") else "alerts resumed"
    return e.get("reason", kind)
