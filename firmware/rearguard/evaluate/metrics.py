"""What the runner felt, measured against labels: lead time, held level, flicker, false alerts.

Everything is computed from the event log's ``alert`` records (every change of level), as a
step function of time: the level the motors were told to play.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rearguard.evaluate.labels import Approach, QuietSpan
from rearguard.messages import AlertLevel

LEAD_TARGET_S = 2.1  # a WARNING at least this long before contact...
LONG_APPROACH_S = 3.0  # ...for approaches in view and closing at least this long
SHORT_REACTION_S = 0.5  # shorter ones: a WARNING within this of being seen closing
MAX_LEVEL_CHANGES = 3  # per episode, plus the final CLEAR


class LevelTimeline:
    """The alert level as a step function of time, from ``alert`` events."""

    def __init__(self, events: Sequence[dict[str, Any]]):
        alerts = [e for e in events if e["kind"] == "alert"]
        self.times = [float(e["t"]) for e in alerts]
        self.levels = [AlertLevel[e["level"]] for e in alerts]

    def at(self, t: float) -> AlertLevel:
        i = bisect.bisect_right(self.times, t) - 1
        return self.levels[i] if i >= 0 else AlertLevel.CLEAR

    def changes(self, start: float, end: float) -> list[tuple[float, AlertLevel]]:
        """Level changes with start <= t <= end."""
        lo, hi = bisect.bisect_left(self.times, start), bisect.bisect_right(self.times, end)
        return list(zip(self.times[lo:hi], self.levels[lo:hi], strict=True))

    def first_at_least(self, level: AlertLevel, start: float, end: float) -> float | None:
        """When the level first is ``level`` or above inside [start, end] (start if already)."""
        if self.at(start) >= level:
            return start
        return next((t for t, lv in self.changes(start, end) if lv >= level), None)

    def lowest(self, start: float, end: float) -> AlertLevel:
        """The lowest level held at any moment in [start, end]."""
        levels = [self.at(start)] + [lv for _, lv in self.changes(start, end)]
        return min(levels)


@dataclass
class Episode:
    """One labelled approach, judged."""

    clip: str
    profile: str
    object: str
    in_path: bool
    contact_t: float
    closing_s: float  # how long it was in view and closing before contact
    lead_s: float | None  # contact minus the first WARNING (None: no WARNING by contact)
    danger_by_contact: bool | None  # None for objects passing beside
    held: bool | None  # never below WARNING from the first WARNING to contact
    level_changes: int  # from being seen closing to gone, not counting a final CLEAR
    lead_needed_s: float | None  # for a long approach: LEAD_TARGET_S
    warn_by_t: float  # the WARNING is due by this time
    passed: bool
    failures: list[str]

    def as_json(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v)
                for k, v in self.__dict__.items()}


def judge_approach(clip: str, profile: str, a: Approach, timeline: LevelTimeline,
                   clip_end: float) -> Episode:
    """Judge one approach: early enough, held to contact, DANGER by contact, steady."""
    contact = a.contact_t
    closing_s = contact - a.closing_from
    long_approach = closing_s >= LONG_APPROACH_S
    warn_by = contact - LEAD_TARGET_S if long_approach else a.closing_from + SHORT_REACTION_S
    warned = timeline.first_at_least(AlertLevel.WARNING, a.closing_from, contact)
    lead = contact - warned if warned is not None else None
    observed_end = min(contact, clip_end)  # contact may lie past the clip's end
    held = None
    if warned is not None:
        held = timeline.lowest(warned, observed_end) >= AlertLevel.WARNING
    danger = None
    if a.in_path and contact <= clip_end:
        danger = timeline.first_at_least(AlertLevel.DANGER, a.closing_from, contact) is not None
    changes = timeline.changes(a.closing_from, min(a.end_t, clip_end))
    if changes and changes[-1][1] == AlertLevel.CLEAR:
        changes = changes[:-1]  # the final all-clear is not flicker
    failures = []
    if warned is None or warned > warn_by + 1e-9:
        # Clip times and leads side by side: "due by 0.50 s" alone read as a lead.
        got = (f"got it at {warned:.2f} s ({lead:.2f} s before)" if warned is not None
               else "got none by contact")
        failures.append(f"WARNING due by {warn_by:.2f} s into the clip ({contact - warn_by:.2f} "
                        f"s before contact), {got}")
    if held is False:
        failures.append("level fell below WARNING before contact")
    if danger is False:
        failures.append("no DANGER by contact")
    if len(changes) > MAX_LEVEL_CHANGES:
        failures.append(f"{len(changes)} level changes (at most {MAX_LEVEL_CHANGES})")
    return Episode(clip, profile, a.object, a.in_path, contact, closing_s, lead, danger, held,
                   len(changes), LEAD_TARGET_S if long_approach else None, warn_by,
                   not failures, failures)


@dataclass
class QuietResult:
    clip: str
    profile: str
    view: str
    seconds: float
    false_warnings: int
    false_dangers: int
    examples: list[str]


def judge_quiet(clip: str, profile: str, view: str, spans: Sequence[QuietSpan],
                timeline: LevelTimeline, clip_end: float,
                events: Sequence[dict[str, Any]]) -> QuietResult:
    """Count WARNING and DANGER alerts that start inside quiet spans."""
    seconds = warnings = dangers = 0
    examples = []
    alerts = [e for e in events if e["kind"] == "alert"]
    for span in spans:
        end = min(span.end, clip_end)
        if end <= span.start:
            continue
        seconds += end - span.start
        previous = timeline.at(span.start - 1e-9)
        for e in alerts:
            if not span.start <= e["t"] <= end:
                continue
            level = AlertLevel[e["level"]]
            if level >= AlertLevel.WARNING and previous < AlertLevel.WARNING:
                warnings += 1
                examples.append(f"{e['t']:.2f} s {e['level']} {e.get('label', '')} "
                                f"#{e.get('track', '')} {e.get('reason', '')}")
            if level == AlertLevel.DANGER and previous < AlertLevel.DANGER:
                dangers += 1
            previous = level
    return QuietResult(clip, profile, view, seconds, warnings, dangers, examples)


def per_10min(count: int, seconds: float) -> float:
    return 600.0 * count / seconds if seconds > 0 else 0.0
