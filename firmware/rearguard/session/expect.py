"""expect.toml: what a scenario fixture demands of the alerts, and the check against an event log.

```toml
[scenario]
description = "two people walk straight at the camera"
contact_t = 4.6          # when the obstacle reaches the runner (session seconds): lead times
profile = "pi4"          # board whose inference time the replay models

[[expect]]
kind = "alert"           # an alert of at least `level` must start inside [from, to]
level = "WARNING"
from = 1.0
to = 3.6

[[expect]]
kind = "quiet"           # no alert of `level` or above may start inside [from, to]
level = "WARNING"
from = 0.0
to = 2.5

[tolerance]
false_alerts_per_minute = 0.0   # alerts starting inside quiet windows, per minute of window

[[contact]]              # optional, one per object that reaches or passes the runner (labels
id = 1                   # of real footage, and what `rearguard synth` writes): the object's
label = "bicycle"        # track id in the labels, its COCO label (or "pole", "wall"), when it
t = 3.9                  # came within 1 m or passed the lens plane (session seconds), and
in_path = true           # whether it was in the runner's 1 m corridor then
```
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rearguard.boards import PROFILES
from rearguard.messages import AlertLevel
from rearguard.session.format import SessionError

KINDS = ("alert", "quiet")


@dataclass(frozen=True)
class Window:
    kind: str
    level: AlertLevel
    start: float
    end: float


@dataclass(frozen=True)
class Contact:
    """An object that reached (or passed) the runner."""

    id: int
    label: str
    t: float
    in_path: bool


@dataclass(frozen=True)
class Expectations:
    description: str
    contact_t: float | None
    profile: str
    windows: tuple[Window, ...]
    false_alerts_per_minute: float
    contacts: tuple[Contact, ...] = ()


@dataclass
class Verdict:
    """What a replay did against the expectations, with the figures people ask for."""

    passed: bool
    failures: list[str] = field(default_factory=list)
    lead_time_s: float | None = None  # contact_t minus the first WARNING-or-above alert
    missed_alerts: int = 0
    false_alerts: int = 0
    false_alerts_per_minute: float = 0.0
    frames_dropped: int = 0
    frames_total: int = 0

    def summary(self, name: str) -> str:
        lead = f"{self.lead_time_s:.2f} s" if self.lead_time_s is not None else "-"
        return (f"{name}: {'PASS' if self.passed else 'FAIL'}  warning lead time {lead}, "
                f"missed alerts {self.missed_alerts}, false alerts {self.false_alerts} "
                f"({self.false_alerts_per_minute:.1f}/min), frames dropped "
                f"{self.frames_dropped}/{self.frames_total}"
                + "".join(f"\n    - {f}" for f in self.failures))


def parse_expectations(raw: dict[str, Any], where: str = "expect.toml") -> Expectations:
    """Check a parsed expect.toml; a SessionError names the key and what was expected."""
    unknown = set(raw) - {"scenario", "expect", "tolerance", "contact"}
    if unknown:
        raise SessionError(f"{where}: unknown key {sorted(unknown)[0]}: expected scenario, "
                           f"expect, tolerance or contact")
    scenario = raw.get("scenario", {})
    profile = scenario.get("profile", "pi4")
    if profile not in PROFILES:
        raise SessionError(f"{where}: scenario.profile: expected one of {', '.join(PROFILES)}, "
                           f"got {profile!r}")
    contact = scenario.get("contact_t")
    if contact is not None and not _number(contact):
        raise SessionError(f"{where}: scenario.contact_t: expected seconds, got {contact!r}")
    windows = tuple(_window(w, f"{where}: expect[{i}]")
                    for i, w in enumerate(raw.get("expect", [])))
    if not windows:
        raise SessionError(f"{where}: expect: expected at least one [[expect]] window")
    rate = raw.get("tolerance", {}).get("false_alerts_per_minute", 0.0)
    if not _number(rate) or rate < 0:
        raise SessionError(f"{where}: tolerance.false_alerts_per_minute: expected a number "
                           f">= 0, got {rate!r}")
    contacts = raw.get("contact", [])
    if not isinstance(contacts, list):
        raise SessionError(f"{where}: contact: expected an array of tables [[contact]]")
    return Expectations(str(scenario.get("description", "")), contact, profile, windows,
                        float(rate), parse_contacts(contacts, where))


CONTACT_KEYS = {"id", "label", "t", "in_path"}


def parse_contacts(raw: list[Any], where: str = "expect.toml") -> tuple[Contact, ...]:
    """Check the [[contact]] tables: every key present, of its type, and nothing else."""
    contacts = []
    for i, c in enumerate(raw):
        key = f"{where}: contact[{i}]"
        if not isinstance(c, dict):
            raise SessionError(f"{key}: expected a table with {', '.join(sorted(CONTACT_KEYS))}")
        unknown = sorted(set(c) - CONTACT_KEYS)
        if unknown:
            raise SessionError(f"{key}.{unknown[0]}: unknown key, expected "
                               f"{', '.join(sorted(CONTACT_KEYS))}")
        oid, label, t, in_path = c.get("id"), c.get("label"), c.get("t"), c.get("in_path")
        if not isinstance(oid, int) or isinstance(oid, bool) or oid < 0:
            raise SessionError(f"{key}.id: expected an integer >= 0, got {oid!r}")
        if not isinstance(label, str) or not label:
            raise SessionError(f"{key}.label: expected a label (COCO name, pole, wall), got "
                               f"{label!r}")
        if not _number(t) or t < 0:
            raise SessionError(f"{key}.t: expected seconds >= 0, got {t!r}")
        if not isinstance(in_path, bool):
            raise SessionError(f"{key}.in_path: expected true or false, got {in_path!r}")
        contacts.append(Contact(oid, label, float(t), in_path))
    ids = [c.id for c in contacts]
    if len(set(ids)) != len(ids):
        raise SessionError(f"{where}: contact: expected one contact per id, got ids {ids}")
    return tuple(contacts)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def window_from(raw: dict[str, Any], where: str) -> Window:
    """One [[expect]] table, checked (``where`` prefixes the error)."""
    return _window(raw, where)


def _window(raw: dict[str, Any], where: str) -> Window:
    kind, level = raw.get("kind"), raw.get("level")
    if kind not in KINDS:
        raise SessionError(f"{where}.kind: expected 'alert' or 'quiet', got {kind!r}")
    if level not in AlertLevel.__members__ or level == "CLEAR":
        raise SessionError(f"{where}.level: expected CAUTION, WARNING or DANGER, got {level!r}")
    start, end = raw.get("from"), raw.get("to")
    if not _number(start) or not _number(end) or end < start:
        raise SessionError(f"{where}: expected numbers from <= to, got from={start!r} "
                           f"to={end!r}")
    return Window(kind, AlertLevel[level], float(start), float(end))


def alert_starts(events: list[dict[str, Any]]) -> list[tuple[float, AlertLevel]]:
    """(time, level) of every rise of the alert level."""
    rises = []
    for e in events:
        if e.get("kind") == "alert":
            level, previous = AlertLevel[e["level"]], AlertLevel[e.get("previous", "CLEAR")]
            if level > previous:
                rises.append((float(e["t"]), level))
    return rises


def check(expect: Expectations, events: list[dict[str, Any]]) -> Verdict:
    """Check an event log against the expectations."""
    rises = alert_starts(events)
    frames = [e for e in events if e.get("kind") == "frame"]
    verdict = Verdict(True, frames_dropped=sum(bool(e.get("dropped")) for e in frames),
                      frames_total=len(frames))
    quiet_minutes = 0.0
    for w in expect.windows:
        inside = [(t, lv) for t, lv in rises if w.start <= t <= w.end and lv >= w.level]
        if w.kind == "alert" and not inside:
            verdict.missed_alerts += 1
            verdict.failures.append(f"no {w.level.name} or above between {w.start:g} and "
                                    f"{w.end:g} s")
        if w.kind == "quiet":
            quiet_minutes += (w.end - w.start) / 60
            verdict.false_alerts += len(inside)
            verdict.failures += [f"{lv.name} at {t:.2f} s, inside a quiet window "
                                 f"{w.start:g}-{w.end:g} s" for t, lv in inside]
    if quiet_minutes:
        verdict.false_alerts_per_minute = verdict.false_alerts / quiet_minutes
    if expect.contact_t is not None:
        warned = [t for t, lv in rises if lv >= AlertLevel.WARNING and t <= expect.contact_t]
        verdict.lead_time_s = expect.contact_t - warned[0] if warned else None
    tolerated = verdict.false_alerts_per_minute <= expect.false_alerts_per_minute
    if tolerated:  # false alerts within tolerance are reported, not failed
        verdict.failures = [f for f in verdict.failures if "quiet window" not in f]
    verdict.passed = not verdict.failures
    return verdict
