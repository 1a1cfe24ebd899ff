"""``rearguard evaluate``: judge the alerts against labelled footage and rendered scenes.

    rearguard evaluate                           # tests/labels and tests/scenarios, pi4 and pi5
    rearguard evaluate --scenes /tmp/scenes      # and every scene rendered by `rearguard synth`
    rearguard evaluate --json out.json --plot lead.png
    rearguard evaluate --scenes /tmp/scenes --mirror        # footage the alerts were not tuned on
    rearguard evaluate --scenes /tmp/scenes --pitch-off 3   # each camera's pitch written 3 deg off
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rearguard.assets import assets_dir
from rearguard.boards import PROFILES
from rearguard.cli import UsageError
from rearguard.cli.replay import speed_factor
from rearguard.config import load_config
from rearguard.evaluate import scenes
from rearguard.evaluate.labels import LabelError, discover
from rearguard.evaluate.report import draw_plot, print_table
from rearguard.evaluate.runner import BoardDetectors, Evaluation, evaluate, summary_json

REPO_TESTS = Path(__file__).resolve().parents[3] / "tests"
DEFAULT_CACHE = Path("~/.cache/rearguard/detections")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="judge the alerts against labelled clips and scenes",
                       description="Replay every labelled clip (a session folder with "
                                   "labels.toml) and every rendered scene under each board "
                                   "profile, and measure what the runner felt: warning lead "
                                   "time, whether the level held through contact, level "
                                   "changes, false alerts per 10 minutes, track ids per person, "
                                   "distance error, and how far away each approaching object "
                                   "of a scene is first tracked.")
    p.add_argument("labels", nargs="*", type=Path, help="folders to search for labels.toml "
                   "(default: the repository's tests/labels and tests/scenarios)")
    p.add_argument("--scenes", type=Path, action="append", default=[],
                   help="a folder of scenes rendered by `rearguard synth` (repeatable)")
    p.add_argument("--scenes-only", action="store_true",
                   help="judge the --scenes alone, without the labelled footage: a quick check "
                        "(seconds with the detector's answers cached), e.g. of the same scenes "
                        "under other noise seeds (scripts/evaluate_seeds.py)")
    p.add_argument("--profile", action="append", choices=sorted(set(PROFILES) - {"none"}),
                   help="board profile to model (repeatable; default: pi4 and pi5)")
    p.add_argument("--config", type=Path, help="config file (default: the built-in defaults)")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON "
                   "('-' for standard output)")
    p.add_argument("--plot", type=Path, metavar="PNG", help="draw the lead times as a chart")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="keep the detector's "
                   "answers here between runs (default: %(default)s)")
    p.add_argument("--no-cache", action="store_true", help="run the detector on every frame")
    p.add_argument("--speed", type=speed_factor, default=1.0, metavar="K",
                   help="play every clip K times faster (as `replay --speed`): walking "
                        "approaches at x3 close like a jog, with real pixels; scenes too")
    p.add_argument("--mirror", action="store_true",
                   help="play every clip mirrored left to right: the same scenes, other "
                        "pixels for the detector (not mirror-symmetric): a cheap look at "
                        "footage the alerts were not tuned on")
    p.add_argument("--pitch-off", type=float, default=0.0, metavar="DEG",
                   help="play every clip as if its camera's pitch had been written DEG "
                        "degrees off (positive: as if it looked further down than it did): "
                        "how much the alerts lean on a mounting someone guessed")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folders = _folders(args)
    profiles = args.profile or ["pi4", "pi5"]
    config = load_config(args.config)
    cache = None if args.no_cache else args.cache.expanduser()
    detector_for = BoardDetectors(config, cache)
    quiet = args.json is not None and str(args.json) == "-"
    try:
        result = evaluate(folders, profiles, config, detector_for, assets_dir(),
                          progress=None if quiet else _progress, speed=args.speed,
                          mirror=args.mirror, pitch_off_deg=args.pitch_off)
    except LabelError as e:
        raise UsageError(str(e)) from None
    summary = summary_json(result)
    if args.json is not None:
        text = json.dumps(summary, indent=2) + "\n"
        if quiet:
            sys.stdout.write(text)
        else:
            args.json.write_text(text)
    if not quiet:
        print_table(result, summary)
    if args.plot is not None:
        draw_plot(result, args.plot)
    return 0


def _folders(args: argparse.Namespace) -> list[Path]:
    if args.scenes_only and (args.labels or not args.scenes):
        raise UsageError("--scenes-only takes --scenes and no folders of labelled clips")
    roots = [] if args.scenes_only else (
        args.labels or [REPO_TESTS / "labels", REPO_TESTS / "scenarios"])
    for root in roots + args.scenes:
        if not root.is_dir():
            raise UsageError(f"{root}: no such folder of labelled clips or scenes")
    folders = discover(roots)
    for root in args.scenes:
        found = sorted(p for p in root.iterdir() if p.is_dir() and scenes.is_scene(p))
        if not found:
            raise UsageError(f"{root}: no rendered scenes (folders with truth.jsonl and "
                             f"expect.toml) in it")
        folders += found
    if not folders:
        raise UsageError(f"no labels.toml under {', '.join(map(str, roots))}")
    return folders


def _progress(what: str) -> None:
    print(f"evaluating {what}", file=sys.stderr, flush=True)


__all__ = ["Evaluation", "register", "run"]
