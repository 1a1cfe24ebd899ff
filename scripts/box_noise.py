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
import math
from pathlib import Path

import numpy as np

from rearguard.boards import board_profile
from rearguard.config import load_config
from rearguard.core.tracking import iou
from rearguard.drive.replay import replay_session
from rearguard.evaluate import scenes
from rearguard.evaluate.runner import BoardDetectors
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


def _misses(scenes_dir: Path, profile: str, cache: Path) -> dict[tuple[str, int], list[float]]:
    config = load_config(None)
    detector = BoardDetectors(config, cache)(profile)
    misses: dict[tuple[str, int], list[float]] = collections.defaultdict(list)
    for folder in sorted(p for p in scenes_dir.iterdir() if scenes.is_scene(p)):
        truth: dict[int, list[list[float]]] = collections.defaultdict(list)
        for row in scenes.read_truth(folder):
            if row.get("visible") and row.get("box"):
                truth[int(row["frame"])].append(row["box"])
        session = open_session(folder)
        detector.use(session)
        replay = replay_session(session, config, detector, board_profile(profile))
        width, height = session.meta["video"]["width"], session.meta["video"]["height"]
        for e in replay.events:
            if e["kind"] != "detection":
                continue
            found = _match(e["box"], truth.get(e["frame"], ()), width, height)
            if found is None:
                continue
            true_h = found[3] - found[1]
            low = int(true_h / e.get("input_px", 1.0) // BIN_PX * BIN_PX)
            misses[(e.get("view", "full"), min(low, TOP_BIN))].append(
                math.log((e["box"][3] - e["box"][1]) / true_h))
    return misses


def _match(box, candidates, width: int, height: int) -> list[float] | None:
    """The true box ``box`` overlaps best (IoU > MATCH_IOU), leaving out those the frame cuts
    (their true height is not what the detector could see)."""
    best, best_iou = None, MATCH_IOU
    for true in candidates:
        if true[0] <= EDGE_MARGIN_PX or true[1] <= EDGE_MARGIN_PX \
                or true[2] >= width - EDGE_MARGIN_PX or true[3] >= height - EDGE_MARGIN_PX:
            continue
        overlap = iou(tuple(box), tuple(true))
        if overlap > best_iou:
            best, best_iou = true, overlap
    return best


if __name__ == "__main__":
    raise SystemExit(main())
