#!/usr/bin/env python3
"""The running-speed scenes under other noise seeds: is anything tuned to one draw of noise?

`rearguard synth --all` renders every scene with its catalogue seed, and the README's evaluate
table is that one draw. The seed sets the ground's texture, the sensor's read noise and the
rangefinder's noise and dropouts, not what happens in the scene. This renders the catalogue
again under each seed given, judges each set with `rearguard evaluate --scenes-only`, and
prints per seed and board how many approaches pass every check, are held from the first
WARNING to contact, get DANGER by contact and change level more than 3 times, the false
alerts on the scenes where nothing enters the path, and which episodes fail and why.

    REARGUARD_ASSETS=../shared python scripts/evaluate_seeds.py own 101 202 303

("own": each scene's catalogue seed, the README's draw.)

The first run of a seed renders it (about 20 s) and runs the detector on its frames (a few
minutes; its answers are cached as for `rearguard evaluate`); later runs take seconds.
A change to the alerts should hold up across seeds, not only on the catalogue's own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROFILES = ("pi4", "pi5")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=seed_arg,
                        help="noise seeds to render and judge ('own': the catalogue's)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/rearguard-seeds"),
                        help="where the rendered scenes and each seed's JSON go "
                             "(default: %(default)s)")
    parser.add_argument("--json", type=Path, help="also write the tally as JSON")
    parser.add_argument("--config", type=Path,
                        help="judge with this config file (as `rearguard evaluate --config`)")
    args = parser.parse_args()
    tally = {}
    for seed in args.seeds:
        tally[seed] = summarise(judge(seed, args.out, args.config))
    print(table(tally))
    for seed, by_board in tally.items():
        for board, s in by_board.items():
            for failure in s["failures"]:
                print(f"seed {seed} {board}: {failure}")
    if args.json is not None:
        args.json.write_text(json.dumps(tally, indent=2) + "\n")
    return 0


def seed_arg(text: str) -> str:
    if text != "own" and not (text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a seed (an integer >= 0) or 'own', got "
                                         f"{text!r}")
    return text


def rearguard(*argv: str) -> None:
    """Run the CLI of this interpreter's rearguard; its output goes to the log, not here."""
    done = subprocess.run([sys.executable, "-m", "rearguard", *argv], capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"rearguard {' '.join(argv)} failed:\n{done.stderr.strip()}")


def judge(seed: str, out: Path, config: Path | None = None) -> dict:
    scenes, result = out / f"seed-{seed}", out / f"seed-{seed}.json"
    if not scenes.is_dir():
        rearguard("synth", "--all", "--out", str(scenes),
                  *(("--seed", seed) if seed != "own" else ()))
    rearguard("evaluate", "--scenes-only", "--scenes", str(scenes), "--json", str(result),
              *(("--config", str(config)) if config is not None else ()))
    return json.loads(result.read_text())


def summarise(result: dict) -> dict:
    """Per board: counts over the approach episodes, quiet false alerts, failures."""
    by_board = {}
    for board in PROFILES:
        episodes = [e for e in result["episodes"] if e["profile"] == board]
        leads = [e["lead_s"] for e in episodes if e["lead_s"] is not None]
        quiet = result["quiet"]["detail"][board]["scene"]
        by_board[board] = {
            "episodes": len(episodes),
            "passed": sum(e["passed"] for e in episodes),
            "held": sum(e["held"] is True for e in episodes),
            "warned": sum(e["held"] is not None for e in episodes),
            "danger_by_contact": sum(e["danger_by_contact"] is True for e in episodes),
            "danger_due": sum(e["danger_by_contact"] is not None for e in episodes),
            "over_3_changes": sum(e["level_changes"] > 3 for e in episodes),
            "median_lead_s": round(statistics.median(leads), 2) if leads else None,
            "false_warnings": quiet["false_warnings"],
            "false_dangers": quiet["false_dangers"],
            "failures": [f"{e['clip']} ({e['object']}): {'; '.join(e['failures'])}"
                         for e in episodes if not e["passed"]],
        }
    return by_board


def table(tally: dict) -> str:
    rows = ["| seed | board | pass every check | held | DANGER by contact | > 3 changes | "
            "median lead (s) | false WARNING / DANGER (scenes with nothing in the path) |",
            "|---|---|---|---|---|---|---|---|"]
    for seed, by_board in tally.items():
        for board, s in by_board.items():
            rows.append(f"| {seed} | {board} | {s['passed']} of {s['episodes']} | "
                        f"{s['held']} of {s['warned']} | {s['danger_by_contact']} of "
                        f"{s['danger_due']} | {s['over_3_changes']} | {s['median_lead_s']} | "
                        f"{s['false_warnings']} / {s['false_dangers']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
