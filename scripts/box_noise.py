#!/usr/bin/env python3
"""How far the detector's box edges wander, in pixels of the network's input, against the
rendered scenes' true boxes: the measurement behind ``geometry.BOX_EDGE_INPUT_PX``.

    scripts/box_noise.py --scenes /tmp/scenes [--profile pi4 --profile pi5]

Each scene is replayed as ``rearguard evaluate`` does (the board's model, input size, far view
and dropped frames; the detection cache is shared with evaluate). Every detection is matched to
the true box of its frame (IoU > 0.3; true boxes cut by the frame are left out). Printed per
view and per true height in input pixels: the count, the median and the robust spread (1.4826
median absolute deviation) of ln(detected height / true height), that spread as pixels per
edge (two edges, each wandering alike), and the 90th percentile of the miss (the heavy tail
that ``tracking.OUTLIER_GATE`` is for).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import math
from pathlib import Path

import numpy as np

from rearguard.boards import board_profile, resolve_model
from rearguard.config import load_config
from rearguard.core import world
from rearguard.core.tracking import iou
from rearguard.detection import model_spec, open_detector
from rearguard.detection.detector import input_side
from rearguard.drive.replay import replay_session
from rearguard.evaluate.runner import CachedDetector
from rearguard.session import open_session

MATCH_IOU = 0.3
BIN_PX = 10  # true heights in input pixels, binned this wide
TOP_BIN = 100  # and everything from this height up in one bin
EDGE_MARGIN_PX = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=Path, required=True, help="rendered by rearguard synth")
    parser.add_argument("--profile", action="append", default=None)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/rearguard/detections")
    args = parser.parse_args()
    for profile in args.profile or ["pi4", "pi5"]:
        print(f"{profile}: ln(detected / true height) by view and true height (input px)")
        print(f"  {'view':5} {'height':>7} {'n':>4} {'median':>7} {'spread':>7} "
              f"{'px/edge':>7} {'p90 miss':>8}")
        for (view, low), misses in sorted(_misses(args.scenes, profile, args.cache).items()):
            if len(misses) < 5:
                continue
            a = np.array(misses)
            centre = float(np.median(a))
            spread = 1.4826 * float(np.median(np.abs(a - centre)))
            per_edge = spread * (low + BIN_PX / 2) / 2  # at the bin's middle height
            tail = float(np.percentile(np.abs(a - centre), 90))
            span = f"{low}+" if low == TOP_BIN else f"{low}-{low + BIN_PX}"
            print(f"  {view:5} {span:>7} {len(a):>4} {centre:>7.3f} "
                  f"{spread:>7.3f} {per_edge:>7.2f} {tail:>8.3f}")
    return 0


def _misses(scenes: Path, profile: str, cache: Path) -> dict[tuple[str, int], list[float]]:
    config = load_config(None)
    board = board_profile(profile)
    model = resolve_model(config.detector.model, board)
    side = input_side(dataclasses.replace(config.detector, model=model), model_spec(model), board)
    detector = CachedDetector(open_detector(dataclasses.replace(
        config.detector, model=model, input_size=side), board_profile("none")), cache)
    seen: list = []
    original = world.WorldModel.add_detections

    def keep(self, ds):  # every DetectionSet the replay hands the core
        seen.append(ds)
        return original(self, ds)

    world.WorldModel.add_detections = keep
    misses: dict[tuple[str, int], list[float]] = collections.defaultdict(list)
    try:
        for folder in sorted(p for p in scenes.iterdir() if (p / "truth.jsonl").exists()):
            truth = _true_boxes(folder / "truth.jsonl")
            session = open_session(folder)
            detector.use(session)
            replay_session(session, config, detector, board)
            for ds in seen:
                width, height = ds.frame_size
                for d in ds.detections:
                    found = _match(d.box, truth.get(round(ds.t, 3), ()), width, height)
                    if found is None:
                        continue
                    true_h = found[3] - found[1]
                    low = int(true_h / (d.input_px or 1.0) // BIN_PX * BIN_PX)
                    misses[(d.view or "full", min(low, TOP_BIN))].append(
                        math.log((d.box[3] - d.box[1]) / true_h))
            seen.clear()
    finally:
        world.WorldModel.add_detections = original
    return misses


def _true_boxes(path: Path) -> dict[float, list[list[float]]]:
    boxes: dict[float, list[list[float]]] = collections.defaultdict(list)
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row.get("visible") and row.get("box"):
            boxes[round(row["t"], 3)].append(row["box"])
    return boxes


def _match(box, candidates, width: int, height: int) -> list[float] | None:
    best, best_iou = None, MATCH_IOU
    for true in candidates:
        if true[0] <= EDGE_MARGIN_PX or true[1] <= EDGE_MARGIN_PX \
                or true[2] >= width - EDGE_MARGIN_PX or true[3] >= height - EDGE_MARGIN_PX:
            continue  # the frame cuts it: its true height is not what the detector could see
        overlap = iou(box, true)
        if overlap > best_iou:
            best, best_iou = true, overlap
    return best


if __name__ == "__main__":
    raise SystemExit(main())
