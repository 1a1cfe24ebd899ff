"""Labels for scenes rendered by ``rearguard synth``: exact, from the scene's own truth.

A rendered scene folder carries expect.toml with a ``[[contact]]`` table per object that reaches
or passes the runner (``id``, ``label``, ``t``, ``in_path``) and truth.jsonl with one line per
frame and object (``t``, ``id``, ``label``, ``distance_m``, ``ttc_s``, ``in_path``,
``visible``, ``box``). An in-path contact is an approach episode, closing from the first frame
the object is visible and closing; a scene with no in-path contact is quiet from start to end.
"""

from __future__ import annotations

import json
import math
import statistics
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rearguard.core.tracking import iou
from rearguard.evaluate.labels import Approach, ClipLabels, LabelError, QuietSpan

END_AFTER_S = 1.0


def is_scene(folder: Path) -> bool:
    return (folder / "truth.jsonl").is_file() and (folder / "expect.toml").is_file()


def read_truth(folder: Path) -> list[dict[str, Any]]:
    path = folder / "truth.jsonl"
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise LabelError(f"{path} line {n}: not JSON: {e}") from None
    return rows


RANGER_REACH_M = 4.0  # an HC-SR04 hears no farther


def scene_labels(folder: Path, named: frozenset[str] = frozenset()) -> ClipLabels:
    """Approach episodes and quiet spans of a rendered scene.

    ``named``: the classes the detector knows. Anything else (a pole, a wall) can only be
    noticed once it is within the rangefinder's reach, so its approach begins there.
    """
    where = folder / "expect.toml"
    try:
        expect = tomllib.loads(where.read_text())
    except tomllib.TOMLDecodeError as e:
        raise LabelError(f"{where}: not valid TOML: {e}") from None
    truth = read_truth(folder)
    if not truth:
        raise LabelError(f"{folder / 'truth.jsonl'}: empty")
    start, end = min(r["t"] for r in truth), max(r["t"] for r in truth)
    approaches = []
    for i, c in enumerate(expect.get("contact", [])):
        try:
            ident, label, t, in_path = c["id"], c["label"], float(c["t"]), bool(c["in_path"])
        except (KeyError, TypeError, ValueError) as e:
            raise LabelError(f"{where}: contact[{i}]: expected id, label, t, in_path: "
                             f"{e}") from None
        if not in_path:
            continue
        reach = math.inf if label in named else RANGER_REACH_M
        closing = [r["t"] for r in truth if r["id"] == ident and r.get("visible")
                   and r.get("ttc_s") is not None and r["t"] < t
                   and r["distance_m"] <= reach]
        approaches.append(Approach(f"{label} #{ident}", label, True,
                                   min(closing) if closing else start, t,
                                   min(t + END_AFTER_S, end)))
    quiet = () if approaches else (QuietSpan(start, end),)
    description = expect.get("scenario", {}).get("description", "")
    return ClipLabels(folder, description, "scene", tuple(approaches), quiet, synthetic=True)


def distance_errors(folder: Path, events: Sequence[dict[str, Any]],
                    frame_times: np.ndarray) -> list[float]:
    """|track distance - true distance| / true distance, for tracks matched to true boxes."""
    return [abs(e["distance_m"] - truth["distance_m"]) / truth["distance_m"]
            for e, truth in _matched(folder, events, frame_times, DISTANCE_IOU)
            if "distance_m" in e and truth["distance_m"] > 0.5]


def first_tracked(folder: Path, events: Sequence[dict[str, Any]], frame_times: np.ndarray,
                  objects: Iterable[str]) -> dict[str, float | None]:
    """For each of ``objects`` (named "label #id", as scene_labels names its approaches), the
    true distance at which a confirmed track first covered it: how far out it is tracked
    (None: never)."""
    first: dict[str, float | None] = dict.fromkeys(objects)
    for _, truth in _matched(folder, events, frame_times, FIRST_TRACKED_IOU):
        name = f"{truth['label']} #{truth['id']}"
        if name in first and first[name] is None:
            first[name] = round(float(truth["distance_m"]), 2)
    return first


DISTANCE_IOU = 0.5  # a track box this close to a true box is that object
# A far object's box is a few pixels: its track's (smoothed) box overlaps the true one less.
FIRST_TRACKED_IOU = 0.3


def _matched(folder: Path, events: Sequence[dict[str, Any]], frame_times: np.ndarray,
             min_iou: float) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(track event, the true object its box covers), in event order."""
    truth_at: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in read_truth(folder):
        if r.get("visible") and r.get("box") is not None:
            truth_at[int(r["frame"])].append(r)
    for e in events:
        if e["kind"] != "track" or "box" not in e:
            continue
        index = int(np.searchsorted(frame_times, e["t"] - 1e-6))
        best = max(truth_at.get(index, []), key=lambda r: iou(tuple(r["box"]), tuple(e["box"])),
                   default=None)
        if best is not None and iou(tuple(best["box"]), tuple(e["box"])) >= min_iou:
            yield e, best


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
