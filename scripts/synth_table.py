#!/usr/bin/env python3
"""Replay rendered synthetic scenes and print a Markdown table of what the runner would feel
against the truth: warning lead time, whether the level held until contact, level changes,
and the distance error of the tracks that match a true object.

    rearguard synth --all --out /tmp/scenes
    REARGUARD_ASSETS=../shared python scripts/synth_table.py /tmp/scenes [--profile pi4]

A stop-gap until `rearguard evaluate` takes the scenes (issue 10); the numbers are what the
current firmware does, not targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.core.tracking import iou
from rearguard.detection import open_detector
from rearguard.drive.replay import replay_session
from rearguard.messages import AlertLevel
from rearguard.session import open_session
from rearguard.session.expect import check, parse_expectations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of rendered scenes (synth --all)")
    parser.add_argument("--profile", default="pi4")
    args = parser.parse_args()
    config = load_config(None)
    profile = board_profile(args.profile)
    detector = open_detector(config.detector, profile)
    print("| scene | contact (s) | WARNING lead (s) | held to contact | level changes | "
          "alerts beside/none in path | distance error (median) | expect.toml |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in sorted(p for p in args.folder.iterdir() if (p / "truth.jsonl").exists()):
        session = open_session(folder)
        expect = parse_expectations(session.expect, f"{folder}/expect.toml")
        result = replay_session(session, config, detector, profile)
        print(row(folder, expect, result.events), flush=True)
    return 0


def row(folder: Path, expect, events: list[dict]) -> str:
    alerts = [e for e in events if e["kind"] == "alert"]
    verdict = check(expect, events)
    contact = expect.contact_t
    lead = f"{verdict.lead_time_s:.2f}" if verdict.lead_time_s is not None else "none"
    held = "-"
    if contact is not None and verdict.lead_time_s is not None:
        start = contact - verdict.lead_time_s
        held = "yes" if all(AlertLevel[a["level"]] >= AlertLevel.WARNING for a in alerts
                            if start < a["t"] <= contact) else "no"
    false = "-"
    if contact is None:
        false = str(sum(1 for a in alerts if AlertLevel[a["level"]] >= AlertLevel.WARNING
                        and AlertLevel[a.get("previous", "CLEAR")] < AlertLevel[a["level"]]))
    return (f"| {folder.name} | {contact if contact is not None else '-'} | "
            f"{lead if contact is not None else '-'} | {held} | {len(alerts)} | {false} | "
            f"{distance_error(folder, events)} | {'pass' if verdict.passed else 'FAIL'} |")


def distance_error(folder: Path, events: list[dict]) -> str:
    """Median |track distance - true distance| (and relative) over tracks whose box overlaps a
    visible object's true box at the same frame time."""
    truth: dict[float, list[dict]] = {}
    for line in (folder / "truth.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("visible") and "box" in r and r["distance_m"] > 0:
            truth.setdefault(round(r["t"], 4), []).append(r)
    errors, relative = [], []
    for e in events:
        if e["kind"] != "track" or "distance_m" not in e or "box" not in e:
            continue
        candidates = truth.get(round(e["t"], 4), [])
        best = max(candidates, key=lambda r: iou(r["box"], e["box"]), default=None)
        if best is None or iou(best["box"], e["box"]) < 0.3:
            continue
        errors.append(abs(e["distance_m"] - best["distance_m"]))
        relative.append(errors[-1] / best["distance_m"])
    if not errors:
        return "-"
    return f"{statistics.median(errors):.2f} m ({statistics.median(relative):.0%}, n={len(errors)})"



if __name__ == "__main__":
    sys.exit(main())
