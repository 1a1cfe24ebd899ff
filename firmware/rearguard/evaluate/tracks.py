"""Track identities against ground-truth boxes: how many track ids each real person gets.

Ground truth comes as MOT-challenge lines (``frame,id,left,top,width,height,...``) or OTB
lines (``x y w h``, one target, one line per frame). A person is matched, at every frame the
detector processed, to the confirmed track whose box overlaps theirs best (IoU >= 0.5).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rearguard.core.tracking import iou
from rearguard.evaluate.labels import GroundTruth, LabelError
from rearguard.messages import Box

MATCH_IOU = 0.5


def read_ground_truth(gt: GroundTruth) -> dict[int, list[tuple[int, Box]]]:
    """Session frame index -> [(person id, box)], from a MOT or OTB file."""
    by_frame: dict[int, list[tuple[int, Box]]] = defaultdict(list)
    for n, line in enumerate(gt.path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [float(v) for v in re.split(r"[,\s]+", line.strip())]
            if gt.format == "mot":
                frame, ident, left, top, width, height = values[:6]
                index = int(frame) - gt.first_frame
            else:
                left, top, width, height = values[:4]
                index, ident = n - 1, 1
        except ValueError as e:
            raise LabelError(f"{gt.path} line {n}: expected numbers: {e}") from None
        by_frame[index].append((int(ident), (left, top, left + width, top + height)))
    return by_frame


@dataclass
class Identities:
    clip: str
    profile: str
    people: int  # ground-truth people matched at least once
    track_ids: int  # distinct track ids those people were matched to
    switches: int  # changes of a person's matched track id along time
    covered: float  # fraction of ground-truth boxes (at processed frames) with a track

    @property
    def ids_per_person(self) -> float:
        return self.track_ids / self.people if self.people else 0.0


def judge_identities(clip: str, profile: str, gt: GroundTruth,
                     events: Sequence[dict[str, Any]], frame_times: np.ndarray) -> Identities:
    truth = read_ground_truth(gt)
    tracks_at: dict[int, list[tuple[int, Box]]] = defaultdict(list)
    for e in events:
        if e["kind"] == "track" and e.get("source") != "ranger" and "box" in e:
            index = int(np.searchsorted(frame_times, e["t"] - 1e-6))
            tracks_at[index].append((e["id"], tuple(e["box"])))
    history: dict[int, list[int]] = defaultdict(list)
    total = covered = 0
    for index in sorted(tracks_at):
        for ident, box in truth.get(index, []):
            total += 1
            best = max(tracks_at[index], key=lambda tr: iou(tr[1], box))
            if iou(best[1], box) >= MATCH_IOU:
                covered += 1
                history[ident].append(best[0])
    ids = sum(len(set(h)) for h in history.values())
    switches = sum(sum(a != b for a, b in itertools.pairwise(h))
                   for h in history.values())
    return Identities(clip, profile, len(history), ids, switches,
                      covered / total if total else 0.0)


