"""The evaluation as a table on the terminal and a lead-time chart (PNG, drawn with OpenCV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rearguard.evaluate.metrics import LEAD_TARGET_S
from rearguard.evaluate.runner import Evaluation


def _fmt(value: Any, spec: str = ".2f") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return format(value, spec)


def print_table(ev: Evaluation, summary: dict[str, Any]) -> None:
    print("Models: " + ", ".join(f"{p} {m}" for p, m in ev.models.items()))
    print("Approaches (lead: WARNING before contact; due: the WARNING was due this long before)")
    header = f"{'clip':<34} {'prof':<4} {'closing':>7} {'lead':>6} {'due':>6} {'danger':>6} " \
             f"{'held':>5} {'chg':>3}  verdict"
    print(header)
    print("-" * len(header))
    for e in ev.episodes():
        due = e.contact_t - e.warn_by_t
        print(f"{e.clip[:34]:<34} {e.profile:<4} {e.closing_s:7.2f} {_fmt(e.lead_s):>6} "
              f"{due:6.2f} {_fmt(e.danger_by_contact):>6} {_fmt(e.held):>5} "
              f"{e.level_changes:3d}  {'PASS' if e.passed else 'FAIL: ' + '; '.join(e.failures)}")
    print()
    print("Quiet footage and scenes (nothing comes into the path): false alerts per 10 minutes")
    for profile, by_view in summary["quiet"]["detail"].items():
        for view, q in by_view.items():
            if not q["seconds"]:
                continue
            print(f"  {profile} {view:<9} {q['seconds']:7.1f} s: WARNING "
                  f"{q['false_warnings']} ({q['false_warnings_per_10min']:.1f}/10 min), DANGER "
                  f"{q['false_dangers']} ({q['false_dangers_per_10min']:.1f}/10 min)")
    for ex in summary["quiet"]["examples"]:
        for alert in ex["alerts"][:3]:
            print(f"    {ex['clip']} ({ex['profile']}): {alert}")
    if summary["identities"]:
        print()
        print("Track ids per person (ground-truth sequences)")
        for r in summary["identities"]:
            print(f"  {r['clip']:<20} {r['profile']:<4} {r['people']} people, {r['track_ids']} "
                  f"ids ({r['ids_per_person']:.2f} per person), {r['switches']} switches, "
                  f"{r['covered']:.0%} of boxes tracked")
    d = summary["distance"]
    print()
    if d["kitti_median_error"] is not None:
        print(f"Distance: KITTI median error {d['kitti_median_error']:.1%} over "
              f"{d['kitti_objects']} objects (its own intrinsics)")
    for name, err in d["scenes"].items():
        print(f"  scene {name}: median distance error {err:.1%}")
    if summary["first_tracked_m"]:
        print()
        print("Far range: how far away each approaching object in a scene was first tracked")
        for r in summary["first_tracked_m"]:
            where = "never" if r["distance_m"] is None else f"{r['distance_m']:.1f} m"
            print(f"  {r['clip']:<20} {r['profile']:<4} {r['object']:<14} {where:>8}")
    passed = ", ".join(f"{p} {'PASS' if ok else 'FAIL'}" for p, ok in summary["passed"].items())
    print(f"\nApproach episodes: {passed}")


def draw_plot(ev: Evaluation, path: Path) -> None:
    """One bar per episode and profile: the warning's lead, with the 2.1 s target line."""
    episodes = ev.episodes()
    row_h, left, width = 22, 330, 900
    height = 60 + row_h * max(len(episodes), 1)
    img = np.full((height, width, 3), 255, np.uint8)
    scale = (width - left - 30) / 6.0  # 0..6 s of lead
    x0 = left
    for s in range(7):
        x = int(x0 + s * scale)
        cv2.line(img, (x, 30), (x, height - 20), (225, 225, 225), 1)
        cv2.putText(img, f"{s} s", (x - 8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (80, 80, 80), 1)
    target = int(x0 + LEAD_TARGET_S * scale)
    cv2.line(img, (target, 30), (target, height - 20), (0, 0, 200), 2)
    for i, e in enumerate(episodes):
        y = 40 + i * row_h
        name = f"{e.clip[:30]} {e.profile}"
        cv2.putText(img, name, (8, y + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1)
        lead = max(e.lead_s or 0.0, 0.0)
        colour = (60, 160, 60) if e.passed else (40, 40, 220)
        cv2.rectangle(img, (x0, y), (int(x0 + min(lead, 6.0) * scale), y + 14), colour, -1)
    cv2.putText(img, "WARNING lead before contact (red line: 2.1 s target; red bar: episode "
                "fails)", (8, height - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
